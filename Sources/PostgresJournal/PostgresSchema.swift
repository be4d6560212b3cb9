import Journal
import Logging
import PostgresNIO

/// The PostgreSQL journal's schema: the SQLite journal's tables (same names, same columns, same
/// meaning), as named migrations that are never edited once shipped.
///
/// Times are `double precision` seconds since 1970 (the exact round trip of `Date`, as in SQLite).
/// Keys are `text COLLATE "C"`, so that keyset pagination orders them byte by byte like SQLite does,
/// whatever the database's default collation.
///
/// Migrations run once, safely, when several replicas start at the same moment: each replica runs
/// them in one transaction that first takes a transaction-scoped advisory lock
/// (``migrationLockKey``), so the others wait, then see the migrations recorded and apply nothing.
enum PostgresSchema {
    /// The advisory lock every replica takes around migrations (an arbitrary constant: "meshjrnl").
    static let migrationLockKey: Int64 = 0x6D65_7368_6A72_6E6C

    /// Name and statements, in order.
    static let migrations: [(name: String, statements: [String])] = [
        ("v1-journal", v1),
    ]

    private static let v1 = [
        """
        CREATE TABLE events (
            sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            received_at double precision NOT NULL,
            event_id text NOT NULL,
            task_arn text COLLATE "C" NOT NULL,
            version bigint NOT NULL,
            last_status text NOT NULL,
            outcome text NOT NULL CHECK (outcome IN ('applied', 'duplicate', 'stale')),
            source text NOT NULL DEFAULT 'event',
            body text NOT NULL
        )
        """,
        "CREATE INDEX events_by_task ON events (task_arn, sequence)",
        "CREATE INDEX events_by_received ON events (received_at)",
        """
        CREATE TABLE tasks (
            task_arn text COLLATE "C" PRIMARY KEY,
            task_id text COLLATE "C" NOT NULL,
            cluster_arn text COLLATE "C" NOT NULL,
            last_status text NOT NULL,
            desired_status text,
            version bigint NOT NULL,
            task_group text,
            task_definition_arn text,
            family text,
            address text,
            containers_json text NOT NULL DEFAULT '[]',
            started_at double precision,
            stopped_at double precision,
            updated_at double precision,
            last_sequence bigint NOT NULL
        )
        """,
        "CREATE INDEX tasks_by_cluster ON tasks (cluster_arn, task_arn)",
        "CREATE INDEX tasks_by_id ON tasks (task_id)",
        """
        CREATE TABLE work (
            key text COLLATE "C" PRIMARY KEY,
            state text NOT NULL CHECK (state IN ('pending', 'running', 'failed', 'done')),
            generation bigint NOT NULL CHECK (generation >= 1),
            attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            last_error text,
            not_before double precision,
            updated_at double precision NOT NULL,
            last_error_class text CHECK (last_error_class IS NULL OR last_error_class IN ('transient', 'permanent'))
        )
        """,
        """
        CREATE TABLE services (
            name text COLLATE "C" PRIMARY KEY,
            cluster_arn text NOT NULL,
            accessor_id text,
            secret_arn text,
            token_sha256 text,
            last_task_seen_at double precision,
            token_deleted_at double precision,
            updated_at double precision NOT NULL
        )
        """,
        """
        CREATE TABLE task_meta (
            task_arn text COLLATE "C" PRIMARY KEY,
            mesh boolean NOT NULL,
            service_name text COLLATE "C",
            tags_json text NOT NULL DEFAULT '{}',
            service_port integer,
            described_at double precision NOT NULL
        )
        """,
        "CREATE INDEX task_meta_by_service ON task_meta (service_name)",
        """
        CREATE TABLE task_health (
            task_arn text COLLATE "C" PRIMARY KEY,
            phase text NOT NULL CHECK (phase IN ('REPORTING', 'STOPPING', 'EXPIRED')),
            containers_json text NOT NULL DEFAULT '{}',
            ttl_seconds double precision,
            revision bigint NOT NULL CHECK (revision >= 1),
            changed_at double precision NOT NULL
        )
        """,
        """
        CREATE TABLE settings (
            name text COLLATE "C" PRIMARY KEY,
            value text NOT NULL,
            updated_at double precision NOT NULL
        )
        """,
    ]

    /// Fails unless the server makes a commit durable before it answers: `fsync` on and
    /// `synchronous_commit` not `off` (the journal sets it `on` for its sessions; a server or role
    /// default cannot undo that, but a proxy in between could).
    static func verifyDurability(_ client: PostgresClient, logger: Logger) async throws {
        let rows = try await client.query(
            "SELECT current_setting('synchronous_commit'), current_setting('fsync')", logger: logger)
        for try await (synchronousCommit, fsync) in rows.decode((String, String).self) {
            guard synchronousCommit != "off", fsync == "on" else {
                throw JournalError.openFailed.with(message: """
                    PostgreSQL would acknowledge commits before they are durable \
                    (synchronous_commit=\(synchronousCommit), fsync=\(fsync))
                    """)
            }
        }
    }

    /// The schema the journal's tables live in (the first of the session's `search_path`).
    static func currentSchema(_ client: PostgresClient, logger: Logger) async throws -> String {
        var schema = "public"
        for try await name in try await client.query("SELECT current_schema()::text", logger: logger).decode(String.self) {
            schema = name
        }
        return schema
    }

    /// Applies the migrations this database lacks, in one transaction under the advisory lock.
    /// - Returns: The names of the migrations this call applied (empty when another replica did).
    static func migrate(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        try await client.withTransaction(logger: logger) { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLockKey))", logger: logger)
            _ = try await connection.query("""
                CREATE TABLE IF NOT EXISTS journal_migrations (
                    name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied = Set<String>()
            for try await name in try await connection.query("SELECT name FROM journal_migrations", logger: logger)
                .decode(String.self) {
                applied.insert(name)
            }
            var ran: [String] = []
            for migration in migrations where !applied.contains(migration.name) {
                logger.info("Applying journal migration", metadata: ["db.migration": "\(migration.name)"])
                for statement in migration.statements {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                _ = try await connection.query("INSERT INTO journal_migrations (name) VALUES (\(migration.name))", logger: logger)
                ran.append(migration.name)
            }
            return ran
        }
    }
}
