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
/// With replicas (``init(collectsSightings:now:)``) it also collects the tasks heard since the last
/// flush to the shared sightings table, and adopts transitions other replicas journaled.
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
    /// Tasks heard since the last ``takeSightings()``; `nil` for a single process (costs nothing then).
    private let sightings: Mutex<Set<String>>?
    private let now: @Sendable () -> ContinuousClock.Instant

    /// - Parameter collectsSightings: Whether to collect the tasks heard for ``takeSightings()`` (replicas).
    public init(collectsSightings: Bool = false,
                now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.sightings = collectsSightings ? Mutex([]) : nil
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
        sightings?.withLock { _ = $0.insert(heartbeat.taskArn) }
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

    /// Takes a transition journaled elsewhere (another replica, or this replica's journal after a
    /// write of its own lost a race): a tracked task takes the record's health when the record is at
    /// least as new as what it holds. Untracked tasks stay untracked.
    public func adopt(_ record: TaskHealthRecord) {
        entries.withLock { entries in
            guard var entry = entries[record.taskArn], record.revision >= entry.revision else { return }
            entry.health = record.health
            entry.revision = record.revision
            entries[record.taskArn] = entry
        }
    }

    /// Whether the task reported to this process (or was restored at start).
    public func isTracking(_ taskArn: String) -> Bool {
        entries.withLock { $0[taskArn] != nil }
    }

    /// The tasks heard since the previous call (empty for a single process), for one flush.
    public func takeSightings() -> [String] {
        sightings?.withLock { heard in
            defer { heard.removeAll(keepingCapacity: true) }
            return Array(heard)
        } ?? []
    }

    /// Puts back sightings a flush could not write, for the next one.
    public func returnSightings(_ taskArns: [String]) {
        sightings?.withLock { $0.formUnion(taskArns) }
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
