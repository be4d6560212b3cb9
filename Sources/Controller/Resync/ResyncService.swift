import Foundation
public import Logging
public import ServiceLifecycle

/// Runs sweeps: one at start, then every interval, and whenever ``requestResync(reason:)`` asks.
///
/// Sweeps never overlap: one loop runs them one after another, and requests that arrive while a
/// sweep runs are coalesced into the one follow-up sweep. After a sweep that met ECS throttling the
/// next periodic sweep waits twice as long (up to 8 intervals); a clean sweep resets the wait.
/// An actor; ``run()`` is its only long-running method.
public actor ResyncService: ResyncTriggering, Service {
    /// What the admin status can show.
    public struct Status: Sendable, Equatable {
        /// The sweep running now, if any.
        public var running: Int?
        /// Whether a requested sweep waits for the running one.
        public var pending: Bool
        public var completedSweeps: Int
        public var lastReport: ResyncReport?
        /// The last report's problems (unreadable tasks, failed clusters).
        public var problems: [String]
    }

    /// Internal, not private: the workers reset its memory at the start of each term.
    nonisolated let sweeper: ResyncSweeper
    /// `nil`: no periodic sweeps (start and on demand only).
    private let interval: Duration?
    private let logger: Logger
    private var completed = 0
    private var running: Int?
    private var pendingReason: String?
    private var lastReport: ResyncReport?
    private var throttledInARow = 0
    private var stopping = false
    private var waiter: CheckedContinuation<Void, Never>?
    private var timer: Task<Void, Never>?

    public init(sweeper: ResyncSweeper, interval: Duration?, logger: Logger) {
        self.sweeper = sweeper
        self.interval = interval
        self.logger = logger
    }

    public func requestResync(reason: String) async -> ResyncRequestOutcome {
        let coalesced = running != nil || pendingReason != nil
        let sweep = (running ?? completed) + 1
        pendingReason = pendingReason ?? reason
        wake()
        return ResyncRequestOutcome(sweep: running == nil ? completed + 1 : sweep, coalesced: coalesced)
    }

    /// The state for the admin API.
    public func status() -> Status {
        Status(running: running, pending: pendingReason != nil, completedSweeps: completed, lastReport: lastReport,
               problems: lastReport?.problems ?? [])
    }

    /// Sweeps until graceful shutdown or cancellation; may run again afterwards (a replica's next
    /// term as leader), starting with a sweep.
    public func run() async throws {
        stopping = false
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await loop()
            } onCancel: {
                Task { await self.stop() }
            }
        } onGracefulShutdown: {
            Task { await self.stop() }
        }
    }

    private func loop() async {
        var reason = "start"
        while !stopping {
            pendingReason = nil
            let number = completed + 1
            running = number
            logger.debug("Resync sweep starting", metadata: ["mesh.resync.sweep": .stringConvertible(number),
                                                             "mesh.resync.reason": .string(reason)])
            let report = await sweeper.sweep(number: number, reason: reason, logger: logger)
            running = nil
            completed = number
            lastReport = report
            throttledInARow = report.throttled ? min(throttledInARow + 1, 3) : 0
            log(report)
            if pendingReason == nil, !stopping { await waitForTrigger() }
            reason = pendingReason ?? "interval"
        }
    }

    private func waitForTrigger() async {
        let delay = interval.map { $0 * (1 << throttledInARow) }
        await withCheckedContinuation { continuation in
            waiter = continuation
            if let delay {
                timer = Task { [weak self] in
                    try? await Task.sleep(for: delay)
                    await self?.wake()
                }
            }
        }
        timer?.cancel()
        timer = nil
    }

    private func wake() {
        waiter?.resume()
        waiter = nil
    }

    private func stop() {
        stopping = true
        wake()
    }

    private func log(_ report: ResyncReport) {
        var metadata: Logger.Metadata = [
            "mesh.resync.sweep": .stringConvertible(report.sweep),
            "mesh.resync.reason": .string(report.reason),
            "mesh.resync.duration_ms": .stringConvertible(report.duration.components.seconds * 1000
                                                          + report.duration.components.attoseconds / 1_000_000_000_000_000),
            "mesh.resync.calls.aws.list_tasks": .stringConvertible(report.calls.listTasks),
            "mesh.resync.calls.aws.describe_tasks": .stringConvertible(report.calls.describeTasks),
            "mesh.resync.calls.consul.reads": .stringConvertible(report.calls.consulReads),
            "mesh.resync.calls.consul.writes": .stringConvertible(report.calls.consulWrites),
            "mesh.resync.listed": .stringConvertible(report.clusters.reduce(0) { $0 + $1.listed }),
            "mesh.resync.applied": .stringConvertible(report.clusters.reduce(0) { $0 + $1.applied }),
            "mesh.resync.deregistered": .stringConvertible(report.clusters.reduce(0) { $0 + $1.deregistered }),
            "mesh.resync.restored": .stringConvertible(report.clusters.reduce(0) { $0 + $1.restored }),
            "mesh.resync.foreign": .stringConvertible(report.clusters.reduce(0) { $0 + $1.foreignServices }),
            "mesh.resync.tokens_checked": .stringConvertible(report.clusters.reduce(0) { $0 + $1.tokensChecked }),
        ]
        let problems = report.problems
        if problems.isEmpty {
            logger.info("Resync sweep finished", metadata: metadata)
        } else {
            metadata["mesh.resync.problems"] = .array(problems.map { .string($0) })
            logger.warning("Resync sweep finished with problems", metadata: metadata)
        }
    }
}

/// What the admin status shows of resync: the last sweep's report and problems (unreadable tasks,
/// clusters whose sweep stopped early). ``ResyncService`` conforms; the admin API can ask its
/// ``ResyncTriggering`` for it with `as? any ResyncStatusReporting`.
public protocol ResyncStatusReporting: Sendable {
    func resyncStatus() async -> ResyncService.Status
}

extension ResyncService: ResyncStatusReporting {
    public func resyncStatus() async -> Status { status() }
}
