import Journal
import PostgresNIO

extension JournalError {
    /// Translates an error of PostgresNIO (or of the journal's own code inside a transaction) into a
    /// ``JournalError``.
    ///
    /// Transient (`.unavailable`, 503): the connection failed, closed or could not be made (the
    /// server restarts, the pool's circuit breaker is open), and server errors of the classes that
    /// pass: 08 connection exception, 40 transaction rollback (serialization failure, deadlock),
    /// 53 insufficient resources, 57 operator intervention (shutdown, query cancelled), 58 system
    /// error. Everything else (a constraint, a missing table) is `fallback`. The message carries
    /// the SQLSTATE and the server's message, never the query's parameters or the password.
    static func postgres(_ error: any Error, fallback: JournalError = .failed,
                         file: String = #fileID, line: Int = #line) -> JournalError {
        if let journalError = error as? JournalError { return journalError }
        if error is CancellationError { return cancelled.with(message: "the calling task was cancelled", file: file, line: line) }
        if let transaction = error as? PostgresTransactionError {
            let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? transaction.rollbackError
            if let inner { return postgres(inner, fallback: fallback, file: file, line: line) }
        }
        guard let psql = error as? PSQLError else {
            // The pool's own errors (circuit breaker, shut down) and NIO's channel errors.
            return unavailable.with(message: "PostgreSQL: \(String(describing: error))", file: file, line: line)
        }
        guard psql.code == .server, let sqlState = psql.serverInfo?[.sqlState] else {
            if psql.code == .queryCancelled {
                return cancelled.with(message: "PostgreSQL: query cancelled", file: file, line: line)
            }
            return unavailable.with(message: "PostgreSQL connection: \(psql.code)", file: file, line: line)
        }
        let message = "PostgreSQL \(sqlState): \(psql.serverInfo?[.message] ?? "")"
        let transientClasses: Set<Substring> = ["08", "40", "53", "57", "58"]
        let base = transientClasses.contains(sqlState.prefix(2)) ? unavailable : fallback
        return base.with(message: message, file: file, line: line)
    }

    /// Whether PostgreSQL rolled the transaction back for a conflict with another one (deadlock
    /// or serialization failure): running it again is expected to succeed.
    var isPostgresConflict: Bool {
        self == .unavailable && (message?.hasPrefix("PostgreSQL 40P01") == true || message?.hasPrefix("PostgreSQL 40001") == true)
    }
}
