import GRDB

extension JournalSchema {
    /// Migration "v5-work-error-class-settings".
    ///
    /// - `work.last_error_class`: `transient` or `permanent`, the class of `last_error`, so the admin
    ///   API shows why a key retries or is parked (NULL for keys that never failed, and for failures
    ///   recorded before this migration).
    /// - `settings`: small named values the controller keeps across starts (the configuration
    ///   fingerprint that wakes parked keys when the configuration changed). Opaque to the journal.
    static func addWorkErrorClassAndSettings(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE work ADD COLUMN last_error_class TEXT
                CHECK (last_error_class IS NULL OR last_error_class = 'transient' OR last_error_class = 'permanent');
            CREATE TABLE settings (
                name TEXT PRIMARY KEY NOT NULL,
                value TEXT NOT NULL,
                updated_at REAL NOT NULL
            ) WITHOUT ROWID;
            """)
    }
}
