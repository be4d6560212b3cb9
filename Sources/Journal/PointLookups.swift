import GRDB
import Synchronization

/// The connection of the journal's point lookups: one row by an indexed key (a task, its health,
/// its metadata, a work key), read on the calling thread through a cached statement.
///
/// The workers make four such lookups per attempt. Through the reader pool's async `read` each one
/// took about four thread hand-offs (GRDB's pool actor, the reader's queue, and back) and compiled
/// its statement again: in a deployment storm that was most of the journal's share of the
/// controller's CPU (docs/benchmarks.md, "Controller CPU in a storm"). A lookup holds this
/// connection for microseconds, and its holder never waits for anything asynchronous, so blocking
/// the cooperative thread that long is cheaper than suspending. It is a connection of its own,
/// not one of the pool's: a thread blocked on the pool's semaphore could wait for a reader that an
/// async read holds until a cooperative thread resumes it, and with every cooperative thread
/// blocked so, none would. Lookups are serialised by a lock; scans and listings stay on the pool.
final class PointLookups: Sendable {
    private let reader: any DatabaseReader
    private let ownsReader: Bool
    /// `true` once closed; held across each lookup, so closing waits for the one running.
    private let closed = Mutex(false)

    /// A read-only connection of its own to the journal file at `path` (in WAL mode, it never
    /// waits for the writer).
    init(path: String, busyTimeout: Double) throws {
        var configuration = Configuration()
        configuration.label = "journal-lookups"
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        reader = try DatabaseQueue(path: path, configuration: configuration)
        ownsReader = true
    }

    /// Lookups on `reader` itself: an in-memory journal has no file to open a second connection to.
    init(sharing reader: any DatabaseReader) {
        self.reader = reader
        ownsReader = false
    }

    /// The row `sql` selects with `arguments`, decoded, or `nil`.
    /// - Throws: ``JournalError/closed`` once ``close()`` ran; otherwise the mapped database error.
    func fetchOne<T: Sendable>(_ sql: String, arguments: StatementArguments,
                     _ decode: (Row) throws -> T) throws(JournalError) -> T? {
        try closed.withLock { (isClosed: inout Bool) throws(JournalError) -> T? in
            guard !isClosed else { throw JournalError.closed }
            do {
                return try reader.read { db in
                    try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments).map(decode)
                }
            } catch {
                throw JournalError.mapping(error)
            }
        }
    }

    /// Refuses later lookups and closes the connection (when it is this object's own).
    func close() throws {
        try closed.withLock { isClosed in
            isClosed = true
            if ownsReader { try reader.close() }
        }
    }
}
