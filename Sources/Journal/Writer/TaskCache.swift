import Dispatch
import MeshModel
import Synchronization

/// The writer's memory of folded task records, so that an event of a known task needs neither a
/// `SELECT` nor JSON decoding.
///
/// Only the writer changes `tasks` rows, and it merges a batch's records here only after that
/// batch's transaction committed, so the cache never holds state the database lacks. Bounded:
/// when full it is simply emptied (tasks are re-read on their next event).
final class TaskCache: Sendable {
    static let defaultCapacity = 50_000

    private let records = Mutex<[String: TaskRecord]>([:])
    private let capacity: Int

    init(capacity: Int = TaskCache.defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    func record(arn: String) -> TaskRecord? {
        records.withLock { $0[arn] }
    }

    /// Drops a task whose row was deleted (retention).
    func remove(arn: String) {
        _ = records.withLock { $0.removeValue(forKey: arn) }
    }

    /// Adds the records a committed batch read or wrote.
    ///
    /// When full, the old records are swapped out and freed on a background queue: freeing 50,000
    /// records (their strings and container arrays) took 8-16 ms, and this runs on the journal
    /// writer's thread between two commits, so every request waiting for the next commit waited too.
    func merge(_ committed: [String: TaskRecord]) {
        guard !committed.isEmpty else { return }
        let evicted = records.withLock { records -> [String: TaskRecord]? in
            var evicted: [String: TaskRecord]?
            if records.count + committed.count > capacity {
                evicted = records
                records = Dictionary(minimumCapacity: capacity)
            }
            records.merge(committed) { _, new in new }
            return evicted
        }
        if let evicted {
            DispatchQueue.global(qos: .utility).async { withExtendedLifetime(evicted) {} }
        }
    }
}
