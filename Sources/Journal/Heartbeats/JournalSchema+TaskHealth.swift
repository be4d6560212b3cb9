import GRDB

extension JournalSchema {
    /// Migration "v3-heartbeats-health": the last health *transition* reported by each task's
    /// heartbeat sidecar. Steady heartbeats never touch it; `revision` orders concurrent writers so
    /// an older transition can never overwrite a newer one.
    static func createTaskHealth(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE task_health (
                task_arn TEXT PRIMARY KEY NOT NULL,
                phase TEXT NOT NULL CHECK (phase = 'REPORTING' OR phase = 'STOPPING' OR phase = 'EXPIRED'),
                containers_json TEXT NOT NULL DEFAULT '{}',
                ttl_seconds REAL,
                revision INTEGER NOT NULL CHECK (revision >= 1),
                changed_at REAL NOT NULL
            )
            """)
    }
}
