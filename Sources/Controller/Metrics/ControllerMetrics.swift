import Metrics
public import Prometheus

/// The controller's Prometheus metrics, recorded through swift-metrics into one registry that the
/// app owns (no `MetricsSystem.bootstrap`, no global state: tests make their own registry).
///
/// A small value: copies share the registry. Every method is cheap and safe from any thread or task;
/// the registry deduplicates a name + label set into one time series, so calling a method again
/// with the same labels adds to the same series.
///
/// ```swift
/// let metrics = ControllerMetrics()                  // app start: one registry
/// metrics.heartbeatReceived(result: "accepted")      // heartbeat handler
/// metrics.healthTransition(from: "critical", to: "passing")
/// let text = metrics.exposition()                    // GET /metrics
/// ```
///
/// Label values must come from small, fixed sets (route patterns, operation names, states), never
/// from task IDs or anything an outside client chooses freely.
public struct ControllerMetrics: Sendable {
    /// Where every series lives; `GET /metrics` renders it.
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    /// Heartbeat results by value: counted on every heartbeat request, so made once each.
    private let heartbeatResults: CounterCache<String>

    /// - Parameter registry: A fresh registry by default (one per app, one per test).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            Names.journalCommitDuration: [
                .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                .milliseconds(500), .seconds(1), .seconds(2.5),
            ],
            Names.httpRequestDuration: [
                .microseconds(250), .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                .seconds(2.5), .seconds(5),
            ],
        ]
        factory.valueHistogramBuckets = [
            Names.journalCommitBatchSize: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
        ]
        self.factory = factory
        heartbeatResults = CounterCache { [factory] result in
            Counter(label: Names.heartbeatsReceived, dimensions: [("result", result)], factory: factory)
        }
    }

    /// The Prometheus text exposition format (version 0.0.4) of every series.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    /// The `Content-Type` of ``exposition()``.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    // MARK: - Heartbeats (issue 4's handler calls these)

    /// Counts one `POST /v1/heartbeats`.
    /// - Parameter result: What became of it, from a fixed set, e.g. `accepted`, `unauthorized`,
    ///   `forbidden`, `invalid`, `unknown_task`.
    public func heartbeatReceived(result: String) {
        heartbeatResults.counter(for: result).increment()
    }

    /// Counts one change of a task's health as written to Consul (only changes are written).
    /// - Parameters:
    ///   - from: The previous Consul check status (`passing`, `critical`, `warning`, or `none`).
    ///   - to: The new status.
    public func healthTransition(from: String, to: String) {
        Counter(label: Names.healthTransitions, dimensions: [("from", from), ("to", to)], factory: factory).increment()
    }

    /// Counts tasks whose heartbeat TTL ran out (their checks went critical without a heartbeat).
    public func heartbeatExpired() {
        Counter(label: Names.heartbeatsExpired, factory: factory).increment()
    }

    // MARK: - HTTP

    /// Counts one answered request and its handler time.
    /// - Parameters:
    ///   - listener: `public` or `admin`.
    ///   - route: The route pattern (`/v1/tasks/{taskId}`), never the raw path.
    public func httpRequest(listener: String, route: String, method: String, status: Int, duration: Duration) {
        requestSeries(listener: listener, route: route, method: method).record(status: status, duration: duration)
    }

    /// The `route` label of requests no route took (404 and 405 answered by the router itself).
    public static let unmatchedRoute = "(unmatched)"

    /// Counts one request no route took, under ``unmatchedRoute`` (no duration: the router answers
    /// it at once).
    public func httpUnmatched(listener: String, method: String, status: Int) {
        Counter(label: Names.httpRequests, dimensions: [
            ("listener", listener), ("route", Self.unmatchedRoute), ("method", method), ("status", String(status)),
        ], factory: factory).increment()
    }

    /// The series of one route, to keep and record into for each of its requests.
    func requestSeries(listener: String, route: String, method: String) -> RouteRequestSeries {
        let factory = factory
        return RouteRequestSeries(
            duration: Timer(label: Names.httpRequestDuration, dimensions: [("listener", listener), ("route", route)],
                            factory: factory),
            requests: CounterCache { status in
                Counter(label: Names.httpRequests, dimensions: [
                    ("listener", listener), ("route", route), ("method", method), ("status", String(status)),
                ], factory: factory)
            })
    }

    // MARK: - Journal

    /// Records one journal transaction: its latency (including the fsync) and its batch size.
    public func journalCommit(operations: Int, duration: Duration, succeeded: Bool) {
        Timer(label: Names.journalCommitDuration, factory: factory).record(duration: duration)
        Recorder(label: Names.journalCommitBatchSize, factory: factory).record(operations)
        Counter(label: Names.journalCommits, dimensions: [("result", succeeded ? "ok" : "error")], factory: factory)
            .increment()
    }

    /// Counts rows deleted by one retention pass.
    public func journalPruned(events: Int, tasks: Int) {
        Counter(label: Names.journalPruned, dimensions: [("table", "events")], factory: factory).increment(by: events)
        Counter(label: Names.journalPruned, dimensions: [("table", "tasks")], factory: factory).increment(by: tasks)
    }

    // MARK: - Work

    /// Records one finished work attempt.
    /// - Parameters:
    ///   - kind: The key's kind (`task`, `service`, `client-token`).
    ///   - outcome: `succeeded` or `failed`.
    public func workAttempt(kind: String, outcome: String, duration: Duration) {
        Counter(label: Names.workOutcomes, dimensions: [("kind", kind), ("outcome", outcome)], factory: factory)
            .increment()
        Timer(label: Names.workAttemptDuration, dimensions: [("kind", kind)], factory: factory).record(duration: duration)
    }

    /// Counts one failed work attempt by what the queue did with it: retried (`mesh_work_retries_total`)
    /// or parked (`mesh_work_parked_total`), by key kind and error class (`transient`, `permanent`).
    public func workFailure(kind: String, errorClass: String, parked: Bool) {
        Counter(label: parked ? Names.workParked : Names.workRetries,
                dimensions: [("kind", kind), ("class", errorClass)], factory: factory).increment()
    }

    /// Sets the number of durable work keys in each state (refreshed on every scrape).
    public func workKeys(_ counts: [String: Int]) {
        for (state, count) in counts {
            Gauge(label: Names.workKeys, dimensions: [("state", state)], factory: factory).record(count)
        }
    }

    // MARK: - Outbound calls

    /// Records one Consul HTTP call.
    /// - Parameters:
    ///   - operation: A stable name such as `PUT /v1/acl/token` (IDs removed).
    ///   - errorCode: `nil` on success, else the error's code.
    public func consulCall(operation: String, duration: Duration, errorCode: String?) {
        Timer(label: Names.consulDuration, dimensions: [("operation", operation)], factory: factory)
            .record(duration: duration)
        if let errorCode {
            Counter(label: Names.consulErrors, dimensions: [("operation", operation), ("code", errorCode)],
                    factory: factory).increment()
        }
    }

    /// Records one AWS call (all its retries).
    public func awsCall(service: String, operation: String, duration: Duration, errorCode: String?) {
        Timer(label: Names.awsDuration, dimensions: [("service", service), ("operation", operation)], factory: factory)
            .record(duration: duration)
        if let errorCode {
            Counter(label: Names.awsErrors, dimensions: [
                ("service", service), ("operation", operation), ("code", errorCode),
            ], factory: factory).increment()
        }
    }

    // MARK: - Freshness (refreshed on every scrape)

    /// Seconds since the newest journaled event was received, or `-1` when none was ever received.
    public func lastEventAge(seconds: Double) {
        Gauge(label: Names.lastEventAge, factory: factory).record(seconds)
    }

    /// The newest journal sequence number.
    public func journalSequence(_ sequence: Int64) {
        Gauge(label: Names.journalSequence, factory: factory).record(sequence)
    }

    /// Seconds since the process started.
    public func uptime(seconds: Double) {
        Gauge(label: Names.uptime, factory: factory).record(seconds)
    }

    /// The metric names, in one place so the README, the OpenAPI description and tests agree.
    public enum Names {
        public static let heartbeatsReceived = "mesh_heartbeats_received_total"
        public static let healthTransitions = "mesh_health_transitions_total"
        public static let heartbeatsExpired = "mesh_heartbeats_expired_total"
        public static let httpRequests = "mesh_http_requests_total"
        public static let httpRequestDuration = "mesh_http_request_duration_seconds"
        public static let journalCommitDuration = "mesh_journal_commit_duration_seconds"
        public static let journalCommitBatchSize = "mesh_journal_commit_batch_size"
        public static let journalCommits = "mesh_journal_commits_total"
        public static let journalPruned = "mesh_journal_pruned_rows_total"
        public static let workOutcomes = "mesh_work_outcomes_total"
        public static let workAttemptDuration = "mesh_work_attempt_duration_seconds"
        public static let workKeys = "mesh_work_keys"
        public static let workRetries = "mesh_work_retries_total"
        public static let workParked = "mesh_work_parked_total"
        public static let consulDuration = "mesh_consul_request_duration_seconds"
        public static let consulErrors = "mesh_consul_request_errors_total"
        public static let awsDuration = "mesh_aws_request_duration_seconds"
        public static let awsErrors = "mesh_aws_request_errors_total"
        public static let lastEventAge = "mesh_last_event_age_seconds"
        public static let journalSequence = "mesh_journal_sequence"
        public static let uptime = "mesh_uptime_seconds"
    }
}
