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
/// A `Service` in the app's group; it sleeps between sweeps and ends on graceful shutdown.
public struct HeartbeatExpiry: Service {
    public let ttl: Duration
    private let sweepInterval: Duration
    private let journal: any JournalStore
    private let tracker: HeartbeatTracker
    private let authority: HeartbeatAuthority
    private let recorder: HeartbeatRecorder
    private let leadership: LeadershipGuard?
    private let logger: Logger

    /// - Parameter leadership: Checked before each expiry is journaled (it records work); `nil`
    ///   records unconditionally.
    public init(ttl: Duration, journal: any JournalStore, tracker: HeartbeatTracker, authority: HeartbeatAuthority,
                recorder: HeartbeatRecorder, leadership: LeadershipGuard? = nil, logger: Logger) {
        self.leadership = leadership
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
        for arn in tracker.staleTasks(olderThan: ttl * 4) where await hasStopped(arn) == true {
            tracker.forget(taskArn: arn)
            authority.forget(taskArn: arn)
        }
        // Only the leader expires (its term runs this sweep; past its deadline it stops at once).
        if let leadership, !leadership.isLeading { return }
        for record in tracker.expire(ttl: ttl) {
            guard let stopped = await hasStopped(record.taskArn) else { continue }
            if stopped {
                tracker.forget(taskArn: record.taskArn)
                authority.forget(taskArn: record.taskArn)
                continue
            }
            var previous = record.health
            previous.phase = .reporting
            previous.ttlSeconds = nil
            logger.notice("No heartbeat within the TTL; the task's checks turn critical", metadata: [
                "mesh.task.arn": .string(record.taskArn),
            ])
            try? await recorder.record(record, previous: previous)
        }
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
