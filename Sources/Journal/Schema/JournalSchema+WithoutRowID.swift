import GRDB

extension JournalSchema {
    /// Migration "v4-keyed-tasks-work": `tasks` and `work` become `WITHOUT ROWID` tables clustered on
    /// their text key.
    ///
    /// Every ingest transaction writes one `tasks` row and one `work` row per changed task. As rowid
    /// tables keyed by a `TEXT PRIMARY KEY` each kept a second B-tree (the automatic unique index), so
    /// every new task touched four trees instead of two, and each touched page is one more 4 KiB WAL
    /// frame to write and fsync. Columns, constraints and the cluster index stay as they were; rows are
    /// copied in one transaction (the migrator's), so a crash leaves either the old tables or the new.
    static func clusterTasksAndWorkOnKeys(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE tasks_keyed (
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
            ) WITHOUT ROWID;
            INSERT INTO tasks_keyed SELECT
                task_arn, task_id, cluster_arn, last_status, desired_status, version, task_group,
                task_definition_arn, family, address, containers_json, started_at, stopped_at, updated_at,
                last_sequence
            FROM tasks;
            DROP TABLE tasks;
            ALTER TABLE tasks_keyed RENAME TO tasks;
            CREATE INDEX tasks_by_cluster ON tasks(cluster_arn, task_arn);

            CREATE TABLE work_keyed (
                key TEXT PRIMARY KEY NOT NULL,
                state TEXT NOT NULL CHECK (state = 'pending' OR state = 'running' OR state = 'failed' OR state = 'done'),
                generation INTEGER NOT NULL CHECK (generation >= 1),
                attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                last_error TEXT,
                not_before REAL,
                updated_at REAL NOT NULL
            ) WITHOUT ROWID;
            INSERT INTO work_keyed SELECT key, state, generation, attempts, last_error, not_before, updated_at FROM work;
            DROP TABLE work;
            ALTER TABLE work_keyed RENAME TO work;
            """)
    }
}
