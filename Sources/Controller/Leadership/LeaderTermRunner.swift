public import LeaderElection
public import Logging
public import ServiceLifecycle

/// Runs the leader-only services (work queue, resync, retention, heartbeat expiry) while this
/// replica leads, and only then: each term gets a fresh service group from ``makeTerm``, started
/// when the ``LeadershipGuard`` reports a new term and shut down gracefully when it reports the
/// term's end. Graceful means attempts in flight finish (each destructive call re-checks the lease
/// first, so none goes out half-decided) and nothing new starts.
///
/// A `Service` on every replica. The single-process controller's guard leads from the start and
/// never changes, so its one term lasts until the process stops.
public struct LeaderTermRunner: Service {
    /// Builds one term's services (prepared and ready to run) for an epoch.
    public typealias TermFactory = @Sendable (_ epoch: Int64) async throws -> [ServiceGroupConfiguration.ServiceConfiguration]

    private let leadership: LeadershipGuard
    private let makeTerm: TermFactory
    private let logger: Logger

    public init(leadership: LeadershipGuard, logger: Logger, makeTerm: @escaping TermFactory) {
        self.leadership = leadership
        self.makeTerm = makeTerm
        self.logger = logger
    }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            var term: (epoch: Int64, group: ServiceGroup)?
            for await change in leadership.changes.cancelOnGracefulShutdown() {
                if let running = term, change.role != .leader || change.epoch != running.epoch {
                    try await stop(running, in: &tasks)
                    term = nil
                }
                if term == nil, change.role == .leader, let epoch = change.epoch {
                    term = (epoch, try await start(epoch: epoch, in: &tasks))
                }
            }
            // The changes end on graceful shutdown, or (single process) at once: then the one
            // term runs until the shutdown comes.
            if term != nil { try? await gracefulShutdown() }
            if let running = term { try await stop(running, in: &tasks) }
        }
    }

    private func start(epoch: Int64, in tasks: inout ThrowingTaskGroup<Void, any Error>) async throws -> ServiceGroup {
        var termLogger = logger
        termLogger[metadataKey: "mesh.lease.epoch"] = .stringConvertible(epoch)
        let group = ServiceGroup(configuration: .init(services: try await makeTerm(epoch), logger: termLogger))
        tasks.addTask { try await group.run() }
        termLogger.info("Leader-only services started")
        return group
    }

    private func stop(_ term: (epoch: Int64, group: ServiceGroup),
                      in tasks: inout ThrowingTaskGroup<Void, any Error>) async throws {
        await term.group.triggerGracefulShutdown()
        try await tasks.next()
        logger.info("Leader-only services stopped", metadata: ["mesh.lease.epoch": .stringConvertible(term.epoch)])
    }
}
