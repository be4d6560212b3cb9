import GRDB
import Logging

/// The journal's schema, as a sequence of migrations that are never edited once shipped.
///
/// Tables and columns are named by strings, not by app types (GRDB's migration guide), so later
/// refactoring of the records cannot silently change an old migration. Timestamps are `REAL` seconds
/// since 1970 (exact round trip of `Date`), booleans `INTEGER` 0/1, JSON documents `TEXT`.
enum JournalSchema {
    /// Builds the migrator; each migration logs its identifier under `db.migration` when it runs.
    static func migrator(logger: Logger) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-events-tasks-work") { db in
            logger.info("Applying journal migration", metadata: ["db.migration": "v1-events-tasks-work"])
            try createEvents(db)
            try createTasks(db)
            try createWork(db)
        }
        migrator.registerMigration("v1-services-task-meta") { db in
            logger.info("Applying journal migration", metadata: ["db.migration": "v1-services-task-meta"])
            try createServices(db)
            try createTaskMeta(db)
        }
        return migrator
    }

    /// One row per received event, with the outcome of folding it. AUTOINCREMENT keeps sequence
    /// numbers, which clients have seen, from ever being reused.
    private static func createEvents(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE events (
                sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                received_at REAL NOT NULL,
                event_id TEXT NOT NULL,
                task_arn TEXT NOT NULL,
                version INTEGER NOT NULL,
                last_status TEXT NOT NULL,
                outcome TEXT NOT NULL CHECK (outcome IN ('applied', 'duplicate', 'stale')),
                source TEXT NOT NULL DEFAULT 'event',
                body TEXT NOT NULL
            )
            """)
        try db.execute(sql: "CREATE INDEX events_by_task ON events(task_arn, sequence)")
    }

    /// The folded desired state of each task.
    private static func createTasks(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE tasks (
                task_arn TEXT PRIMARY KEY NOT NULL,
                task_id TEXT NOT NULL,
                cluster_arn TEXT NOT NULL,
                last_status TEXT NOT NULL,
                desired_status TEXT,
                version INTEGER NOT NULL,
                task_group TEXT,
                task_definition_arn TEXT,
                family TEXT,
                address TEXT,
                containers_json TEXT NOT NULL DEFAULT '[]',
                started_at REAL,
                stopped_at REAL,
                updated_at REAL,
                last_sequence INTEGER NOT NULL
            )
            """)
        try db.execute(sql: "CREATE INDEX tasks_by_cluster ON tasks(cluster_arn, task_arn)")
        try db.execute(sql: "CREATE INDEX tasks_by_status ON tasks(last_status, task_arn)")
    }

    /// Durable work keys for the workers.
    private static func createWork(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE work (
                key TEXT PRIMARY KEY NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'failed', 'done')),
                generation INTEGER NOT NULL CHECK (generation >= 1),
                attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                last_error TEXT,
                not_before REAL,
                updated_at REAL NOT NULL
            )
            """)
        try db.execute(sql: "CREATE INDEX work_by_state ON work(state, key)")
    }

    /// What the token worker knows per service (never a token secret, only its SHA-256).
    private static func createServices(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE services (
                name TEXT PRIMARY KEY NOT NULL,
                cluster_arn TEXT NOT NULL,
                accessor_id TEXT,
                secret_arn TEXT,
                token_sha256 TEXT,
                last_task_seen_at REAL,
                token_deleted_at REAL,
                updated_at REAL NOT NULL
            )
            """)
    }

    /// Tags and mesh membership per task, cached from DescribeTasks.
    private static func createTaskMeta(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE task_meta (
                task_arn TEXT PRIMARY KEY NOT NULL,
                mesh INTEGER NOT NULL CHECK (mesh IN (0, 1)),
                service_name TEXT,
                tags_json TEXT NOT NULL DEFAULT '{}',
                service_port INTEGER,
                described_at REAL NOT NULL
            )
            """)
    }
}
