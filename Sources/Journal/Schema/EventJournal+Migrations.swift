import GRDB
import Logging

/// The journal's schema, as a sequence of migrations that are never edited once shipped.
///
/// Tables and columns are named by strings, not by app types (GRDB's migration guide), so later
/// refactoring of the records cannot silently change an old migration. Timestamps are `REAL` seconds
/// since 1970 (exact round trip of `Date`), booleans `INTEGER` 0/1, JSON documents `TEXT`.
/// CHECK constraints spell value sets with `OR`, not `IN (...)`: SQLite builds an ephemeral table
/// for an `IN` list on every row written, which cost more than the insert itself.
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
        migrator.registerMigration("v3-heartbeats-health") { db in
            logger.info("Applying journal migration", metadata: ["db.migration": "v3-heartbeats-health"])
            try JournalSchema.createTaskHealth(db)
        }
        migrator.registerMigration("v4-keyed-tasks-work") { db in
            logger.info("Applying journal migration", metadata: ["db.migration": "v4-keyed-tasks-work"])
            try JournalSchema.clusterTasksAndWorkOnKeys(db)
        }
        migrator.registerMigration("v5-work-error-class-settings") { db in
            logger.info("Applying journal migration", metadata: ["db.migration": "v5-work-error-class-settings"])
            try JournalSchema.addWorkErrorClassAndSettings(db)
        }
        return migrator
    }

    /// One row per received event, with the outcome of folding it. The sequence is the rowid, so
    /// SQLite numbers rows max+1 without AUTOINCREMENT's extra `sqlite_sequence` write per insert.
    /// Numbers are never reused as long as the newest row is never deleted (pruning, if ever added,
    /// must keep the last row).
    private static func createEvents(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE events (
                sequence INTEGER PRIMARY KEY,
                received_at REAL NOT NULL,
                event_id TEXT NOT NULL,
                task_arn TEXT NOT NULL,
                version INTEGER NOT NULL,
                last_status TEXT NOT NULL,
                outcome TEXT NOT NULL CHECK (outcome = 'applied' OR outcome = 'duplicate' OR outcome = 'stale'),
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
        // No index on last_status: it changes with nearly every event, and only the admin API filters
        // on it. cluster_arn never changes for a task, so its index costs nothing on updates.
        try db.execute(sql: "CREATE INDEX tasks_by_cluster ON tasks(cluster_arn, task_arn)")
    }

    /// Durable work keys for the workers. No index on state: every mark rewrites it, and listing by
    /// state is rare (startup, admin API); a scan of one small row per key is cheap.
    private static func createWork(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE work (
                key TEXT PRIMARY KEY NOT NULL,
                state TEXT NOT NULL CHECK (state = 'pending' OR state = 'running' OR state = 'failed' OR state = 'done'),
                generation INTEGER NOT NULL CHECK (generation >= 1),
                attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                last_error TEXT,
                not_before REAL,
                updated_at REAL NOT NULL
            )
            """)
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
                mesh INTEGER NOT NULL CHECK (mesh = 0 OR mesh = 1),
                service_name TEXT,
                tags_json TEXT NOT NULL DEFAULT '{}',
                service_port INTEGER,
                described_at REAL NOT NULL
            )
            """)
    }
}
