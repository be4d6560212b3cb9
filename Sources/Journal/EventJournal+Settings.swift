import Foundation
import GRDB

/// Small named values the controller keeps across starts, such as the fingerprint of the
/// configuration the work queue last ran with. The journal stores them and never interprets them.
extension EventJournal {
    /// The value stored under `name`, or `nil`.
    public func setting(_ name: String) async throws(JournalError) -> String? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT value FROM settings WHERE name = ?", arguments: [name])
        }
    }
}
