import Foundation
public import Journal
public import LeaderElection
public import Logging
public import ServiceLifecycle
import MeshModel

/// The heartbeat TTL: a periodic sweep that turns every reporting task without a heartbeat for
/// ``ttl`` critical (journaled, registration key woken). A task that has stopped meanwhile is
/// forgotten instead, so stopped tasks cost no write and stay out of memory.
///
/// A single process judges silence from its own tracker. Replicas (with a ``HeartbeatSightingStore``)
/// judge it from the sightings every replica shares, and expire from the journaled health: a task
/// whose heartbeats land on other replicas is not silent, whatever this replica heard.
///
/// A `Service` in the app's group; it sleeps between sweeps and ends on graceful shutdown.
public struct HeartbeatExpiry: Service {
    public let ttl: Duration
    private let sweepInterval: Duration
    private let journal: any JournalStore
    private let tracker: HeartbeatTracker
    private let authority: HeartbeatAuthority
    private let recorder: HeartbeatRecorder
    private let leadership: LeadershipGuard?
    private let sightings: (any HeartbeatSightingStore)?
    private let logger: Logger
    /// Silent tasks handled per sweep at most (the rest come in the next sweeps).
    static let silentBatch = 1000

    /// - Parameters:
    ///   - leadership: Checked before each expiry is journaled (it records work); `nil` records
    ///     unconditionally.
    ///   - sightings: The replicas' shared sightings; `nil` for a single process.
    public init(ttl: Duration, journal: any JournalStore, tracker: HeartbeatTracker, authority: HeartbeatAuthority,
                recorder: HeartbeatRecorder, leadership: LeadershipGuard? = nil,
                sightings: (any HeartbeatSightingStore)? = nil, logger: Logger) {
        self.leadership = leadership
        self.sightings = sightings
        self.ttl = ttl
        // Expiry is late by at most a quarter of the TTL (and at most a second).
        self.sweepInterval = min(.seconds(1), ttl / 4)
        self.journal = journal
        self.tracker = tracker
        self.authority = authority
        self.recorder = recorder
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: sweepInterval)
                await sweep()
            }
        }
    }

    /// One sweep: journals the expiry of every task past its TTL, and forgets (from memory) tasks
    /// that stopped, so memory stays bounded by the live tasks.
    public func sweep() async {
        if let sightings {
            // Replicas: every replica's flusher forgets stopped tasks from its own memory.
            if let leadership, !leadership.isLeading { return }
            await expireSilent(sightings)
            return
        }
        await forgetStopped()
        // Only the leader expires (its term runs this sweep; past its deadline it stops at once).
        if let leadership, !leadership.isLeading { return }
        for record in tracker.expire(ttl: ttl) {
            guard let stopped = await hasStopped(record.taskArn) else { continue }
            if stopped {
                forget(record.taskArn)
                continue
            }
            var previous = record.health
            previous.phase = .reporting
            previous.ttlSeconds = nil
            logNoHeartbeat(record.taskArn)
            _ = try? await recorder.record(record, previous: previous, fence: leadership)
        }
    }

    /// Forgets (from memory) the tasks that are not reporting, silent for four TTLs, and stopped.
    public func forgetStopped() async {
        for arn in tracker.staleTasks(olderThan: ttl * 4) where await hasStopped(arn) == true {
            forget(arn)
        }
    }

    /// Replicas: expires the tasks no replica heard within the TTL, from their journaled health,
    /// then forgets their sightings (an expired, stopped or never-reporting task needs no more look).
    private func expireSilent(_ sightings: any HeartbeatSightingStore) async {
        let seconds = Self.seconds(ttl)
        let silent: [String]
        do {
            silent = try await sightings.silentTasks(forSeconds: seconds, limit: Self.silentBatch)
        } catch {
            logger.warning("Could not read the replicas' heartbeat sightings; the next sweep retries", metadata: [
                "mesh.error": .string("\(error)"),
            ])
            return
        }
        var handled: [String] = []
        for arn in silent {
            if let leadership, !leadership.isLeading { break }
            if await expireFromJournal(arn, ttlSeconds: seconds) { handled.append(arn) }
        }
        do {
            try await sightings.forget(taskArns: handled, silentForSeconds: seconds)
        } catch {
            logger.warning("Could not forget handled heartbeat sightings; they are looked at again", metadata: [
                "mesh.error": .string("\(error)"),
            ])
        }
    }

    /// Expires one silent task from its journaled health. - Returns: Whether the task needs no
    /// further look (expired now, stopped, or not reporting); `false` when the journal failed.
    private func expireFromJournal(_ arn: String, ttlSeconds: Double) async -> Bool {
        guard let stopped = await hasStopped(arn) else { return false }
        if stopped {
            forget(arn)
            return true
        }
        let current: TaskHealthRecord?
        do {
            current = try await journal.taskHealth(arn: arn)
        } catch {
            logger.warning("Could not read the health of a silent task", metadata: [
                "mesh.task.arn": .string(arn), "mesh.error": .string(error.description),
            ])
            return false
        }
        guard let current, let next = current.health.expired(ttlSeconds: ttlSeconds) else { return true }
        logNoHeartbeat(arn)
        let record = TaskHealthRecord(taskArn: arn, health: next, revision: current.revision + 1, changedAt: Date())
        do {
            try await recorder.record(record, previous: current.health, fence: leadership)
            return true
        } catch {
            return false
        }
    }

    private func forget(_ taskArn: String) {
        tracker.forget(taskArn: taskArn)
        authority.forget(taskArn: taskArn)
    }

    private func logNoHeartbeat(_ taskArn: String) {
        logger.notice("No heartbeat within the TTL; the task's checks turn critical", metadata: [
            "mesh.task.arn": .string(taskArn),
        ])
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Whether the journal says the task stopped (or does not know it); `nil` when it cannot be read.
    private func hasStopped(_ taskArn: String) async -> Bool? {
        do {
            guard let task = try await journal.task(arn: taskArn) else { return true }
            return task.lastStatus == .stopped
        } catch {
            logger.warning("Could not read a task whose heartbeats stopped", metadata: [
                "mesh.task.arn": .string(taskArn), "mesh.error": .string(error.description),
            ])
            return nil
        }
    }
}
