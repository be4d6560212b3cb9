import GRDB
import GRDBSQLite

/// Binds parameters of a cached statement straight through the SQLite C API, for the writer's
/// per-event statements.
///
/// GRDB's `StatementArguments` boxes every value in an existential and a `DatabaseValue` before it
/// binds, a visible share of an ingest request's CPU with three statements per event. Here each value is
/// bound where it lies, and the event body is bound from its bytes without building a `String` (the
/// decoder has validated it as UTF-8 JSON). Only used inside the writer's transactions, on GRDB's
/// writer queue; the statement is reset after each run, so GRDB can reuse it as usual.
struct RawBinding {
    private let handle: SQLiteStatement

    /// Tells SQLite to copy a bound value before the call returns.
    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    }

    private init(handle: SQLiteStatement) {
        self.handle = handle
    }

    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    func bind(_ index: Int32, _ value: Double) {
        sqlite3_bind_double(handle, index, value)
    }

    func bind(_ index: Int32, _ value: Double?) {
        if let value { sqlite3_bind_double(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: String?) {
        guard var value else {
            sqlite3_bind_null(handle, index)
            return
        }
        value.withUTF8 { bindText(index, UnsafeRawBufferPointer($0)) }
    }

    /// Binds UTF-8 bytes as `TEXT` (the caller guarantees they are valid UTF-8).
    func bindText(_ index: Int32, utf8 bytes: [UInt8]) {
        bytes.withUnsafeBytes { bindText(index, $0) }
    }

    private func bindText(_ index: Int32, _ raw: UnsafeRawBufferPointer) {
        if let base = raw.baseAddress, !raw.isEmpty {
            sqlite3_bind_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(raw.count), Self.transient)
        } else {
            // A null pointer would bind NULL, not the empty string.
            sqlite3_bind_text(handle, index, "", 0, Self.transient)
        }
    }

    /// Whether `statement` (a query) returns at least one row with the parameters `bind` sets.
    /// The writer asks this before reading a task through GRDB, because most tasks it does not know
    /// yet are new: a miss then costs one step instead of GRDB's row cursor.
    static func hasRow(_ statement: Statement, in db: Database, _ bind: (RawBinding) -> Void) throws -> Bool {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        bind(RawBinding(handle: handle))
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw error(code, statement: statement, in: db)
        }
    }

    /// Runs `statement` once (it must return no rows) with the parameters `bind` sets.
    /// - Throws: GRDB's `DatabaseError` with SQLite's extended code when the step fails.
    static func execute(_ statement: Statement, in db: Database, _ bind: (RawBinding) -> Void) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        bind(RawBinding(handle: handle))
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw error(code, statement: statement, in: db) }
    }

    private static func error(_ code: Int32, statement: Statement, in db: Database) -> DatabaseError {
        let connection = db.sqliteConnection
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        let extended = connection.map { sqlite3_extended_errcode($0) } ?? code
        return DatabaseError(resultCode: ResultCode(rawValue: extended), message: message, sql: statement.sql)
    }
}
