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

    /// Records a heartbeat's liveness and journals the transition it makes, if any. When the
    /// journal already holds a newer transition (another replica's, or the TTL sweep's), the
    /// tracker adopts it and the heartbeat is judged once more against it.
    /// - Returns: Whether a transition was journaled.
    /// - Throws: ``JournalError``; the tracker then forgets the transition so the next heartbeat retries it.
    public func observe(_ heartbeat: Heartbeat) async throws(JournalError) -> Bool {
        for _ in 0..<2 {
            guard let (record, previous) = tracker.observe(heartbeat) else { return false }
            if try await self.record(record, previous: previous) { return true }
        }
        return false
    }

    /// Stores `record` durably (with key `task:<arn>` marked pending), then schedules the key.
    /// On failure the tracker forgets the transition so the next heartbeat retries it; when the
    /// journal holds a newer revision (nothing stored) the tracker adopts the journal's.
    /// - Parameters:
    ///   - previous: The health before the transition, to restore on failure.
    ///   - fence: The TTL sweep's (an expiry records work); a heartbeat's transition has none.
    /// - Returns: Whether the record was stored.
    /// - Throws: ``JournalError``.
    @discardableResult
    public func record(_ record: TaskHealthRecord, previous: TaskHealth?,
                       fence: (any WorkFence)? = nil) async throws(JournalError) -> Bool {
        let key = WorkKey.task(arn: record.taskArn).rawValue
        let stored: Bool
        do {
            stored = try await journal.recordHealth(record, wakeKey: key, fence: fence)
        } catch {
            tracker.revert(record, to: previous)
            logger.warning("Could not journal a health transition", metadata: [
                "mesh.task.arn": .string(record.taskArn), "mesh.error": .string(error.description),
            ])
            throw error
        }
        guard stored else {
            await adoptJournaled(taskArn: record.taskArn)
            return false
        }
        tracker.adopt(record)
        metrics?.healthTransition(from: previous.map(Self.status(of:)) ?? "none", to: Self.status(of: record.health))
        if record.health.phase == .expired { metrics?.heartbeatExpired() }
        logger.info("Task health changed", metadata: [
            "mesh.task.arn": .string(record.taskArn), "mesh.health.phase": .string(record.health.phase.rawValue),
            "mesh.health.revision": .stringConvertible(record.revision),
        ])
        await scheduler?.scheduleMarked([key])
        return true
    }

    /// Reads the task's journaled health into the tracker (a newer transition than this replica
    /// knew); nothing for a task the tracker does not hold.
    public func adoptJournaled(taskArn: String) async {
        guard tracker.isTracking(taskArn) else { return }
        do {
            if let current = try await journal.taskHealth(arn: taskArn) { tracker.adopt(current) }
        } catch {
            logger.warning("Could not read a task's journaled health", metadata: [
                "mesh.task.arn": .string(taskArn), "mesh.error": .string(error.description),
            ])
        }
    }

    /// Reads every journaled health into the tracker (the signal of which tasks changed was lost).
    public func adoptAllJournaled() async {
        do {
            for record in try await journal.taskHealthRecords() { tracker.adopt(record) }
        } catch {
            logger.warning("Could not read the journaled health of the tasks", metadata: ["mesh.error": .string(error.description)])
        }
    }

    /// The aggregate Consul status a health implies (for metrics labels only).
    static func status(of health: TaskHealth) -> String {
        health.phase == .reporting && health.containers.values.allSatisfy { $0 == .healthy } ? "passing" : "critical"
    }
}
