public import Journal
public import Logging
public import MeshModel

/// Journals health transitions and wakes the task's registration key, so the registration worker
/// writes the new check statuses to Consul. Shared by the heartbeat handler and the TTL sweep.
public struct HeartbeatRecorder: Sendable {
    private let journal: any JournalStore
    private let tracker: HeartbeatTracker
    private let scheduler: (any WorkScheduler)?
    private let metrics: ControllerMetrics?
    private let logger: Logger

    public init(journal: any JournalStore, tracker: HeartbeatTracker, scheduler: (any WorkScheduler)?,
                metrics: ControllerMetrics? = nil, logger: Logger) {
        self.journal = journal
        self.tracker = tracker
        self.scheduler = scheduler
        self.metrics = metrics
        self.logger = logger
    }

    /// Stores `record` durably (with key `task:<arn>` marked pending), then schedules the key.
    /// On failure the tracker forgets the transition so the next heartbeat retries it.
    /// - Parameter previous: The health before the transition, to restore on failure.
    /// - Throws: ``JournalError``.
    public func record(_ record: TaskHealthRecord, previous: TaskHealth?) async throws(JournalError) {
        let key = WorkKey.task(arn: record.taskArn).rawValue
        let stored: Bool
        do {
            stored = try await journal.recordHealth(record, wakeKey: key)
        } catch {
            tracker.revert(record, to: previous)
            logger.warning("Could not journal a health transition", metadata: [
                "mesh.task.arn": .string(record.taskArn), "mesh.error": .string(error.description),
            ])
            throw error
        }
        guard stored else { return }
        metrics?.healthTransition(from: previous.map(Self.status(of:)) ?? "none", to: Self.status(of: record.health))
        if record.health.phase == .expired { metrics?.heartbeatExpired() }
        logger.info("Task health changed", metadata: [
            "mesh.task.arn": .string(record.taskArn), "mesh.health.phase": .string(record.health.phase.rawValue),
            "mesh.health.revision": .stringConvertible(record.revision),
        ])
        await scheduler?.scheduleMarked([key])
    }

    /// The aggregate Consul status a health implies (for metrics labels only).
    static func status(of health: TaskHealth) -> String {
        health.phase == .reporting && health.containers.values.allSatisfy { $0 == .healthy } ? "passing" : "critical"
    }
}
