import AsyncHTTPClient
import Foundation
import Journal
import Logging
import MeshModel
import MeshTestSupport
import NIOCore
import NIOHTTP1
import Testing

/// Event-to-visible latency: from POSTing a task's RUNNING event to the controller process until the
/// instance is listed passing in Consul's `/v1/health/service/<name>`. Gated on BENCH=1 (it takes a
/// minute or two and measures rather than asserts); run it with `deploy/local/bench-registration.sh`.
@Suite(.enabled(if: integrationEnabled && ControllerProcess.isAvailable
                    && ProcessInfo.processInfo.environment["BENCH"] == "1",
                "needs BENCH=1, MESH_INTEGRATION=1 and MESH_CONTROLLER_BIN (deploy/local/bench-registration.sh)"))
struct WorkerRegistrationBenchmarkTests {
    private static let environment = ProcessInfo.processInfo.environment
    private static let services = Int(environment["BENCH_SERVICES"] ?? "") ?? 50
    private static let tasksPerService = Int(environment["BENCH_TASKS_PER_SERVICE"] ?? "") ?? 20
    private static let rate = Double(environment["BENCH_RATE"] ?? "") ?? 100
    private static let concurrency = Int(environment["BENCH_CONCURRENCY"] ?? "") ?? 64
    private static let adminToken = "bench-admin-token-\(UUID().uuidString)"

    /// Prints Markdown table rows with p50/p99 for warm tokens (PROVISIONING seen first, as ECS sends
    /// it) and for brand-new services (RUNNING is the first event: DescribeTasks, DescribeTaskDefinition
    /// and the token are all in the path).
    @Test(.timeLimit(.minutes(15)))
    func registrationLatency_whenRunningEventsArrive_printsPercentiles() async throws {
        // Given 50 services × 20 tasks (warm) and 50 more services × 1 task (cold) in moto
        let sfx = uniqueSuffix()
        let warmNames = (0..<Self.services).map { "bw\($0)-\(sfx)" }
        let coldNames = (0..<Self.services).map { "bc\($0)-\(sfx)" }
        let tags = ["consul.hashicorp.com/mesh": "true"]
        let moto = try await MotoECSFixture.run(
            cluster: "bench-\(sfx)",
            services: warmNames.map { .init(family: $0, ports: [8080], count: Self.tasksPerService, tags: tags) }
                + coldNames.map { .init(family: $0, ports: [8080], count: 1, tags: tags) })
        let cluster = moto.clusterArn
        let prefix = "bench-\(sfx)"
        let controller = try ControllerProcess(extraEnvironment: [
            "MESH_SECRETS_PREFIX": prefix, "MESH_LOG_LEVEL": Self.environment["BENCH_LOG_LEVEL"] ?? "warning",
            "MESH_LOG_FORMAT": Self.environment["BENCH_LOG_FORMAT"] ?? "text",
            "MESH_WORK_CONCURRENCY": String(Self.concurrency), "MESH_ADMIN_TOKEN": Self.adminToken,
        ])
        try await controller.start()
        let probe = try MeshWorldProbe()
        let watchClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)))
        let postClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)))
        let consulAddress = Self.environment["CONSUL_HTTP_ADDR"] ?? "http://127.0.0.1:18500"
        let consulToken = Self.environment["CONSUL_HTTP_TOKEN"] ?? ""

        // Warm-up: every warm task's PROVISIONING event (token and task tags are made/cached then)
        let warmTasks = warmNames.flatMap { moto.tasks(of: $0) }
        for batch in stride(from: 0, to: warmTasks.count, by: 10) {
            let events = warmTasks[batch..<min(batch + 10, warmTasks.count)].map {
                MeshEventBuilder.lifecycle($0, clusterArn: cluster)[0]
            }
            _ = try await controller.postEvent(MeshEventBuilder.body(events), client: postClient)
        }
        let warmed = await eventually(timeout: .seconds(300), interval: .milliseconds(500)) {
            try await Self.workDone(controller, atLeast: warmTasks.count + warmNames.count)
        }
        #expect(warmed, "warm-up did not settle")
        #expect(try await probe.serviceTokens(clusterArn: cluster).count == warmNames.count)

        // When RUNNING events arrive at a steady rate
        let watcher = CatalogVisibilityWatcher(client: watchClient, address: consulAddress, token: consulToken)
        let beforeWarm = try await MetricsText.fetch(controller, token: Self.adminToken, client: postClient)
        let (warm, warmAck) = try await measure(
            tasks: warmTasks, version: 3, clusterArn: cluster, controller: controller, postClient: postClient,
            watcher: watcher)
        let afterWarm = try await MetricsText.fetch(controller, token: Self.adminToken, client: postClient)
        let coldTasks = coldNames.flatMap { moto.tasks(of: $0) }
        let (cold, coldAck) = try await measure(
            tasks: coldTasks, version: 1, clusterArn: cluster, controller: controller, postClient: postClient,
            watcher: watcher)
        let coldTokens = await eventually(timeout: .seconds(60)) {
            try await probe.serviceTokens(clusterArn: cluster).count == warmNames.count + coldNames.count
        }
        // The cold phase's share is read once its work is done (token work included): read when the
        // last instance turned visible, it missed the attempts still running and could exceed 100 %.
        let coldDone = await eventually(timeout: .seconds(60), interval: .milliseconds(100)) {
            try await Self.workDone(controller, atLeast: warmTasks.count + warmNames.count + 2 * coldTasks.count)
        }
        let afterCold = try await MetricsText.fetch(controller, token: Self.adminToken, client: postClient)
        let (warmShare, coldShare) = (WorkTimeShare.parse(afterWarm).since(WorkTimeShare.parse(beforeWarm)),
                                      WorkTimeShare.parse(afterCold).since(WorkTimeShare.parse(afterWarm)))
        let warmView = ControllerLatencyView.parse(afterWarm).since(ControllerLatencyView.parse(beforeWarm))

        // Then print the table rows the README quotes
        let rate = String(format: "%.0f events/s, %d workers", Self.rate, Self.concurrency)
        print("""
            BENCH| | scenario | tasks | services | arrival | p50 | p90 | p99 | p99.9 | max | 202 p50 / p99 | waiting on moto (share of work time) |
            BENCH| |---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|
            BENCH| | RUNNING after PROVISIONING (warm token, tags cached) | \(warm.count) | \(warmNames.count) | \(rate) | \(row(warm)) | \(ms(warmAck.p50)) / \(ms(warmAck.p99)) | \(warmShare) |
            BENCH| | RUNNING as first event of a new service (cold token, DescribeTasks in path) | \(cold.count) | \(coldNames.count) | \(rate) | \(row(cold)) | \(ms(coldAck.p50)) / \(ms(coldAck.p99)) | \(coldShare) |
            BENCH|
            BENCH| Where the work time went (calls and seconds summed over concurrent calls), warm: \(warmShare.breakdown)
            BENCH|
            BENCH| The controller's own view of the warm phase (its histograms' buckets): \(warmView.summary)
            BENCH|
            BENCH| Cold: \(coldShare.breakdown)
            BENCH|
            BENCH| consul-ecs's controller polls ECS every 10 s, so it notices a task 0–10 s (plus a reconcile) after it \
            changes; here the p99 from the RUNNING event to a passing instance in Consul is \(ms(warm.p99)) with a warm token, \
            about \(Int((10_000 / warm.p99).rounded()))× below the 10 s poll period.
            """)
        #expect(warm.count == warmTasks.count, "every warm task became visible")
        #expect(cold.count == coldTasks.count, "every cold task became visible")
        #expect(coldTokens, "every cold service got its token")
        #expect(coldDone, "the cold phase's work settled")
        #expect(controller.terminate() == 0)
        try await watchClient.shutdown()
        try await postClient.shutdown()
    }

    /// Posts each task's RUNNING event (one per request) at ``rate`` to the controller and measures
    /// how long until each instance is listed passing.
    private func measure(
        tasks: [MotoECSFixture.MotoTask], version: Int, clusterArn: String, controller: ControllerProcess,
        postClient: HTTPClient, watcher: CatalogVisibilityWatcher
    ) async throws -> (visible: LatencySummary, acknowledged: LatencySummary) {
        let latency = RegistrationLatency(watcher: watcher, rate: Self.rate, verbose: Self.environment["BENCH_VERBOSE"] == "1")
        return await latency.measure(tasks: tasks, version: version, clusterArn: clusterArn) {
            _ = try await controller.postEvent($0, client: postClient)
        }
    }

    /// Whether the controller's journal holds at least `count` work items, all done.
    private static func workDone(_ controller: ControllerProcess, atLeast count: Int) async throws -> Bool {
        let journal = try EventJournal(configuration: JournalConfiguration(path: controller.journalPath),
                                       logger: Logger(label: "bench"))
        let items = try await journal.work(state: nil, limit: 100_000)
        await journal.close()
        return items.count >= count && items.allSatisfy { $0.state == .done }
    }

    private func ms(_ value: Double) -> String { String(format: "%.1f ms", value) }

    /// p50 | p90 | p99 | p99.9 | max, as table cells.
    private func row(_ summary: LatencySummary) -> String {
        [summary.p50, summary.p90, summary.p99, summary.p999, summary.max].map(ms).joined(separator: " | ")
    }
}
