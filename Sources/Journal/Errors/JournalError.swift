public import ErrorClassification
import GRDB

/// A failure of the journal, shaped for the one place that maps errors to HTTP.
///
/// A struct with a private code (Hummingbird's `PersistError` model) so that cases can be added
/// without breaking anybody's `switch`. Two errors are equal when their codes are equal, so callers
/// compare with the static members: `error == .overloaded`. The context (SQLite message and
/// extended result code, file and line) is for logs; a GRDB `DatabaseError` never leaves the module.
public struct JournalError: Error, Sendable, Equatable, CustomStringConvertible, TransientClassifiable {
    private enum Code: String, Sendable {
        case overloaded, unavailable, stopped, closed, cancelled, notFound, migrationFailed, openFailed, corrupt, failed
        case fenced
    }

    private let code: Code
    /// The SQLite or other underlying message, if any. Never holds a secret: the journal stores none.
    public let message: String?
    /// SQLite's extended result code when the failure came from SQLite.
    public let extendedResultCode: Int32?
    /// Where the error was raised (`#fileID`).
    public let file: String
    /// Where the error was raised (`#line`).
    public let line: Int

    private init(_ code: Code, message: String? = nil, extendedResultCode: Int32? = nil,
                 file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.extendedResultCode = extendedResultCode
        self.file = file
        self.line = line
    }

    /// Too many events are queued for the writer; answer 429 with `Retry-After`.
    public static let overloaded = JournalError(.overloaded)
    /// The database could not write (disk full, I/O error); answer 503 with `Retry-After`.
    public static let unavailable = JournalError(.unavailable)
    /// The writer stopped after a fatal write failure (an I/O error, a full disk, corruption): nothing
    /// more is acknowledged, and the process must exit so that it is restarted and the file verified.
    /// Answer 503 with `Retry-After`. ``message`` names the failure that stopped it.
    public static let stopped = JournalError(.stopped)
    /// The journal has been closed; no more writes are accepted.
    public static let closed = JournalError(.closed)
    /// The calling task was cancelled while it waited for a read; nothing was read. Retryable: the
    /// same read succeeds for a caller that is not going away.
    public static let cancelled = JournalError(.cancelled)
    /// The addressed row (e.g. a work key) does not exist.
    public static let notFound = JournalError(.notFound)
    /// A schema migration failed at startup.
    public static let migrationFailed = JournalError(.migrationFailed)
    /// The database file could not be opened.
    public static let openFailed = JournalError(.openFailed)
    /// The database is corrupt or not a database.
    public static let corrupt = JournalError(.corrupt)
    /// Any other failure (a bug or a constraint violation).
    public static let failed = JournalError(.failed)
    /// A write that records work was refused by its ``WorkFence``: this replica does not lead now
    /// (its lease ran out, or a newer epoch began). Nothing was written. Transient: the leader does
    /// the work, and the key stays pending for it. ``message`` says why (the epochs, if known).
    public static let fenced = JournalError(.fenced)

    /// Whether the same request may succeed later: the client should retry (429/503), not give up.
    public var isRetryable: Bool {
        switch code {
        case .overloaded, .unavailable, .stopped, .closed, .cancelled, .fenced: true
        case .notFound, .migrationFailed, .openFailed, .corrupt, .failed: false
        }
    }

    /// The work queue's class of this failure: what ``isRetryable`` says (overloaded, unavailable
    /// or closed may pass; a missing row, a failed migration or corruption will not on their own).
    public var isTransient: Bool { isRetryable }

    /// A stable, machine-readable name of the code (`"overloaded"`, `"unavailable"`, ...), for metrics.
    public var codeName: String { code.rawValue }

    public var description: String {
        var text = "JournalError.\(code.rawValue)"
        if let extendedResultCode { text += " (SQLite \(extendedResultCode))" }
        if let message { text += ": \(message)" }
        return text + " [\(file):\(line)]"
    }

    public static func == (lhs: JournalError, rhs: JournalError) -> Bool { lhs.code == rhs.code }

    /// A ``fenced`` error naming the epoch the write carried and the one stored.
    package static func fenced(given: Int64, current: Int64, file: String = #fileID, line: Int = #line) -> JournalError {
        fenced.with(message: "write fenced: epoch \(given) is behind the current epoch \(current)", file: file, line: line)
    }

    /// Returns this error with context attached (any back end's message; `extendedResultCode` is SQLite's).
    public func with(message: String?, extendedResultCode: Int32? = nil,
              file: String = #fileID, line: Int = #line) -> JournalError {
        JournalError(code, message: message, extendedResultCode: extendedResultCode, file: file, line: line)
    }
}

extension JournalError {
    /// Translates any error thrown inside a database access into a ``JournalError``.
    ///
    /// I/O-class SQLite failures (full, I/O error, busy, read-only, cannot open) become `.unavailable`,
    /// corruption becomes `.corrupt`, and everything else `.failed` (or `fallback`).
    static func mapping(_ error: any Error, fallback: JournalError = .failed,
                        file: String = #fileID, line: Int = #line) -> JournalError {
        if let journalError = error as? JournalError { return journalError }
        if error is CancellationError { return cancelled.with(message: "the calling task was cancelled", file: file, line: line) }
        guard let dbError = error as? DatabaseError else {
            return fallback.with(message: String(describing: error), file: file, line: line)
        }
        let code = dbError.extendedResultCode.rawValue
        let base: JournalError
        switch dbError.resultCode {
        case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_READONLY,
             .SQLITE_CANTOPEN, .SQLITE_NOMEM, .SQLITE_PROTOCOL:
            base = .unavailable
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            base = .corrupt
        case .SQLITE_MISUSE where dbError.message?.contains("closed") == true:
            base = .closed
        default:
            base = fallback
        }
        return base.with(message: dbError.message, extendedResultCode: code, file: file, line: line)
    }

    /// Whether retrying the same operations on their own cannot help (the database itself failed).
    package var isDatabaseWide: Bool {
        switch code {
        case .unavailable, .stopped, .corrupt, .closed: true
        default: false
        }
    }

    /// Whether SQLite reported the disk (or `max_page_count`) full.
    var isDiskFull: Bool {
        extendedResultCode.map { ResultCode(rawValue: $0).primaryResultCode == .SQLITE_FULL } ?? false
    }

    /// Whether this failure of a write means the file can no longer be trusted to hold what is
    /// acknowledged, so the writer must stop: an I/O error (a failed `fsync` among them: after
    /// "fsyncgate", the kernel may have dropped the dirty pages, and a retry would report success
    /// for data that never reached the disk), a full disk or database cap, corruption, a file that is
    /// no longer a database, one that became read-only or was moved, or a WAL that cannot be opened.
    /// `SQLITE_BUSY`, `SQLITE_LOCKED` and `SQLITE_NOMEM` pass and are not fatal.
    public var isFatalWriteFailure: Bool {
        if code == .stopped { return true }
        guard let extendedResultCode else { return false }
        switch ResultCode(rawValue: extendedResultCode).primaryResultCode {
        case .SQLITE_READONLY, .SQLITE_IOERR, .SQLITE_CORRUPT, .SQLITE_FULL, .SQLITE_CANTOPEN, .SQLITE_NOTADB:
            return true
        default:
            return false
        }
    }
}
