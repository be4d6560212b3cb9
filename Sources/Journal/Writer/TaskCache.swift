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

    /// Adds the records a committed batch read or wrote.
    func merge(_ committed: [String: TaskRecord]) {
        guard !committed.isEmpty else { return }
        records.withLock { records in
            if records.count + committed.count > capacity { records.removeAll(keepingCapacity: true) }
            records.merge(committed) { _, new in new }
        }
    }
}
