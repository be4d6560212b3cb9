import GRDB

/// A journal file as release v3 (`v3-heartbeats-health`) left it, built with the DDL that release
/// ran, so that the next migration is tested on what it will really meet.
enum JournalV3Database {
    static let schema = """
        CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
        INSERT INTO grdb_migrations VALUES ('v1-events-tasks-work'), ('v1-services-task-meta'), ('v3-heartbeats-health');
        CREATE TABLE events (
            sequence INTEGER PRIMARY KEY, received_at REAL NOT NULL, event_id TEXT NOT NULL,
            task_arn TEXT NOT NULL, version INTEGER NOT NULL, last_status TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome = 'applied' OR outcome = 'duplicate' OR outcome = 'stale'),
            source TEXT NOT NULL DEFAULT 'event', body TEXT NOT NULL);
        CREATE INDEX events_by_task ON events(task_arn, sequence);
        CREATE TABLE tasks (
            task_arn TEXT PRIMARY KEY NOT NULL, task_id TEXT NOT NULL, cluster_arn TEXT NOT NULL,
            last_status TEXT NOT NULL, desired_status TEXT, version INTEGER NOT NULL, task_group TEXT,
            task_definition_arn TEXT, family TEXT, address TEXT, containers_json TEXT NOT NULL DEFAULT '[]',
            started_at REAL, stopped_at REAL, updated_at REAL, last_sequence INTEGER NOT NULL);
        CREATE INDEX tasks_by_cluster ON tasks(cluster_arn, task_arn);
        CREATE TABLE work (
            key TEXT PRIMARY KEY NOT NULL,
            state TEXT NOT NULL CHECK (state = 'pending' OR state = 'running' OR state = 'failed' OR state = 'done'),
            generation INTEGER NOT NULL CHECK (generation >= 1),
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            last_error TEXT, not_before REAL, updated_at REAL NOT NULL);
        CREATE TABLE services (
            name TEXT PRIMARY KEY NOT NULL, cluster_arn TEXT NOT NULL, accessor_id TEXT, secret_arn TEXT,
            token_sha256 TEXT, last_task_seen_at REAL, token_deleted_at REAL, updated_at REAL NOT NULL);
        CREATE TABLE task_meta (
            task_arn TEXT PRIMARY KEY NOT NULL, mesh INTEGER NOT NULL CHECK (mesh = 0 OR mesh = 1),
            service_name TEXT, tags_json TEXT NOT NULL DEFAULT '{}', service_port INTEGER,
            described_at REAL NOT NULL);
        CREATE TABLE task_health (
            task_arn TEXT PRIMARY KEY NOT NULL,
            phase TEXT NOT NULL CHECK (phase = 'REPORTING' OR phase = 'STOPPING' OR phase = 'EXPIRED'),
            containers_json TEXT NOT NULL DEFAULT '{}', ttl_seconds REAL,
            revision INTEGER NOT NULL CHECK (revision >= 1), changed_at REAL NOT NULL);
        """

    /// Creates the v3 file at `path` with one task (`taskArn`, RUNNING, version 7) and its work key
    /// parked as failed after 3 attempts.
    static func create(at path: String, taskArn: String, cluster: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: schema)
            try db.execute(sql: """
                INSERT INTO tasks (task_arn, task_id, cluster_arn, last_status, desired_status, version,
                                   task_group, containers_json, last_sequence)
                VALUES (?, 'abc', ?, 'RUNNING', 'RUNNING', 7, 'service:web', '[]', 1)
                """, arguments: [taskArn, cluster])
            try db.execute(sql: """
                INSERT INTO work (key, state, generation, attempts, last_error, updated_at)
                VALUES (?, 'failed', 2, 3, 'consul: 500', 1000)
                """, arguments: ["task:" + taskArn])
        }
        try queue.close()
    }

    /// The `CREATE TABLE` statement SQLite keeps for `table`.
    static func tableSQL(_ table: String, at path: String) throws -> String? {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                arguments: [table])
        }
    }
}
