public import Foundation
public import Journal
public import MeshModel
import Synchronization

/// Liveness and the last journaled health of every task that reports heartbeats, in memory.
///
/// A steady heartbeat only moves the task's last-seen time; a heartbeat that changes the health
/// returns a ``TaskHealthRecord`` with the next revision for the caller to journal. The revision
/// lets the journal drop a transition that lost a race with a newer one.
///
/// Thread-safe (one `Mutex`); the clock is injected so TTL logic is testable without waiting.
public final class HeartbeatTracker: Sendable {
    private struct Entry {
        var lastSeen: ContinuousClock.Instant
        var health: TaskHealth?
        var revision: Int64
        /// When ``staleTasks(olderThan:)`` last handed the task out for a check.
        var checkedAt: ContinuousClock.Instant?
        /// Whether a heartbeat arrived since this process started (``restore(_:)`` only sets the clock).
        var heard = false
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let now: @Sendable () -> ContinuousClock.Instant

    public init(now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.now = now
    }

    /// Resumes from the journal at start: every task gets a full TTL from now before it can expire.
    public func restore(_ records: [TaskHealthRecord]) {
        let start = now()
        entries.withLock { entries in
            for record in records {
                entries[record.taskArn] = Entry(lastSeen: start, health: record.health, revision: record.revision)
            }
        }
    }

    /// Records a heartbeat.
    /// - Returns: The transition to journal and the health before it, or `nil` in the steady state.
    public func observe(_ heartbeat: Heartbeat, at date: Date = Date()) -> (record: TaskHealthRecord, previous: TaskHealth?)? {
        let seen = now()
        return entries.withLock { entries -> (record: TaskHealthRecord, previous: TaskHealth?)? in
            var entry = entries[heartbeat.taskArn] ?? Entry(lastSeen: seen, health: nil, revision: 0)
            entry.lastSeen = seen
            entry.heard = true
            guard let next = TaskHealth.after(heartbeat, current: entry.health) else {
                entries[heartbeat.taskArn] = entry
                return nil
            }
            let previous = entry.health
            entry.health = next
            entry.revision += 1
            entries[heartbeat.taskArn] = entry
            return (TaskHealthRecord(taskArn: heartbeat.taskArn, health: next, revision: entry.revision, changedAt: date),
                    previous)
        }
    }

    /// Undoes a transition the journal could not store, so the next heartbeat tries again.
    public func revert(_ record: TaskHealthRecord, to previous: TaskHealth?) {
        entries.withLock { entries in
            guard var entry = entries[record.taskArn], entry.revision == record.revision else { return }
            entry.health = previous
            entries[record.taskArn] = entry
        }
    }

    /// The transitions of every reporting task whose last heartbeat is older than `ttl`.
    /// The health before each is its record's health with phase ``TaskHealth/Phase/reporting``.
    public func expire(ttl: Duration, at date: Date = Date()) -> [TaskHealthRecord] {
        let current = now()
        let seconds = Double(ttl.components.seconds) + Double(ttl.components.attoseconds) / 1e18
        return entries.withLock { entries in
            var expired: [TaskHealthRecord] = []
            for (arn, entry) in entries where current - entry.lastSeen > ttl {
                guard let next = entry.health?.expired(ttlSeconds: seconds) else { continue }
                var updated = entry
                updated.health = next
                updated.revision += 1
                entries[arn] = updated
                expired.append(TaskHealthRecord(taskArn: arn, health: next, revision: updated.revision, changedAt: date))
            }
            return expired
        }
    }

    /// Tasks that are not reporting (STOPPING or expired) and silent for longer than `age`, at most
    /// once per `age` each: the sweep asks the journal whether they stopped, to forget them.
    public func staleTasks(olderThan age: Duration) -> [String] {
        let current = now()
        return entries.withLock { entries in
            var stale: [String] = []
            for (arn, entry) in entries where entry.health?.phase != .reporting {
                let since = max(entry.lastSeen, entry.checkedAt ?? entry.lastSeen)
                guard current - since > age else { continue }
                entries[arn]?.checkedAt = current
                stale.append(arn)
            }
            return stale
        }
    }

    /// The current health of a task, or `nil` if it never reported.
    public func health(of taskArn: String) -> TaskHealth? {
        entries.withLock { $0[taskArn]?.health }
    }

    /// How long ago this process received the task's latest heartbeat; `nil` if none arrived since it started.
    public func lastHeartbeatAge(of taskArn: String) -> Duration? {
        let current = now()
        return entries.withLock { entries in
            guard let entry = entries[taskArn], entry.heard else { return nil }
            return current - entry.lastSeen
        }
    }

    /// Forgets a task that stopped.
    public func forget(taskArn: String) {
        _ = entries.withLock { $0.removeValue(forKey: taskArn) }
    }

    /// Tasks tracked (for tests and metrics).
    public var count: Int { entries.withLock { $0.count } }
}
