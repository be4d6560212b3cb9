import AWS
public import Foundation
import HTTPServer
public import Journal

/// The app's one metrics registry and dependency tracker, and the hooks that feed them: handed to
/// the journal (commit observer), the Consul and AWS clients (call observers), the work queue
/// (measured reconciler) and the routers (request metrics). Copies share the same registry.
public struct ControllerTelemetry: Sendable {
    public let metrics: ControllerMetrics
    public let health: DependencyHealth
    /// When the controller started (for uptime).
    public let startedAt: Date

    public init(metrics: ControllerMetrics = ControllerMetrics(), health: DependencyHealth = DependencyHealth(),
                startedAt: Date = Date()) {
        self.metrics = metrics
        self.health = health
        self.startedAt = startedAt
    }

    /// For ``JournalConfiguration/commitObserver``.
    public var journalObserver: @Sendable (JournalCommitReport) -> Void {
        let metrics = self.metrics
        return { report in
            metrics.journalCommit(operations: report.operations, duration: report.duration, succeeded: report.succeeded)
        }
    }

    /// For the Consul and AWS clients.
    public var callRecorder: OutboundCallRecorder {
        OutboundCallRecorder(metrics: metrics, health: health)
    }

    /// The AWS clients' configuration with the call observer set.
    var awsConfiguration: AWSJSONClient.Configuration {
        var configuration = AWSJSONClient.Configuration()
        configuration.callObserver = callRecorder
        return configuration
    }

    /// `reconciler`, with each attempt's outcome and time counted.
    func measured(_ reconciler: any Reconciler) -> any Reconciler {
        MeasuredReconciler(base: reconciler, metrics: metrics)
    }

    /// Counts the work queue's retries and parkings by class.
    var workObserver: any WorkQueueObserver {
        WorkFailureMetrics(metrics: metrics)
    }

    /// `handler`, counted by listener, route pattern, method and status.
    func instrument(_ listener: String, _ route: String, _ method: HTTPMethod,
                    _ handler: @escaping HTTPHandler) -> HTTPHandler {
        RequestMetrics.instrument(handler, metrics: metrics, listener: listener, route: route, method: method)
    }

    /// Wraps a loop handler so that its requests are counted and timed under `route`.
    func instrument(_ listener: String, _ route: String, _ method: HTTPMethod,
                    _ handler: @escaping HTTPLoopHandler) -> HTTPLoopHandler {
        RequestMetrics.instrument(handler, metrics: metrics, listener: listener, route: route, method: method)
    }
}
