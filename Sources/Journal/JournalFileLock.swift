import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Keeps a second process from writing the same SQLite journal: an exclusive `flock` on
/// `<journal>.lock`, next to the journal, held for the life of the process (until ``release()``
/// or exit, when the kernel drops it, so a crash never leaves a stale lock).
///
/// SQLite's own locks cannot do this on a network file system (WAL needs shared memory on one
/// host); an advisory lock on a separate file works on local disks and on EFS (NFSv4 locks).
/// The lock file holds the owner's PID, for the error message of the process it refuses.
///
/// Thread-safe: immutable after ``acquire(journalPath:)`` except for ``release()``, which is
/// idempotent behind a lock.
public final class JournalFileLock: Sendable {
    /// The lock file's path.
    public let path: String
    private let descriptor: Mutex<Int32>

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    /// Takes the lock for the journal at `journalPath`, without waiting.
    /// - Throws: ``JournalLockError`` when another process holds it (naming its PID when known) or
    ///   when the lock file cannot be opened.
    public static func acquire(journalPath: String) throws(JournalLockError) -> JournalFileLock {
        let path = journalPath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = try? String(contentsOfFile: path, encoding: .utf8)
            close(fd)
            guard code == EWOULDBLOCK else { throw .cannotOpen(path: path, errno: code) }
            throw .heldByAnotherProcess(path: path, holder: holder?.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let owner = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = owner.withCString { pwrite(fd, $0, strlen($0), 0) }
        return JournalFileLock(path: path, descriptor: fd)
    }

    /// Gives the lock up (the journal is closed). The file stays; it is reused by the next process.
    public func release() {
        descriptor.withLock { fd in
            guard fd >= 0 else { return }
            close(fd)  // closing the only descriptor drops the flock
            fd = -1
        }
    }

    deinit {
        release()
    }
}

/// The journal's lock file refused this process.
public enum JournalLockError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another process writes this journal; a second writer is refused.
    case heldByAnotherProcess(path: String, holder: String?)
    /// The lock file could not be opened or locked.
    case cannotOpen(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .heldByAnotherProcess(let path, let holder):
            let who = holder.map { $0.isEmpty ? "another process" : "process \($0)" } ?? "another process"
            return "the journal is in use by \(who) (lock \(path)); a second writer is refused. "
                + "Stop the other controller, or use journal.backend=postgres to run several replicas"
        case .cannotOpen(let path, let code):
            return "cannot lock the journal (lock \(path)): \(String(cString: strerror(code)))"
        }
    }
}
