import Foundation
public import Journal
public import MeshModel
import PostgresNIO

/// Reads of events, tasks, work keys, services, settings and heartbeat identities: each one query
/// on a pooled connection (many keys at once by `= ANY`), the calling task suspended meanwhile.
/// Keys are `COLLATE "C"`, so key order and keyset pagination match the SQLite journal's.
extension PostgresEventJournal {
    // MARK: Query helpers

    /// Every row of `query`, decoded.
    func all<T: Sendable>(_ query: PostgresQuery,
                          _ decode: @escaping @Sendable (PostgresRow) throws -> T) async throws(JournalError) -> [T] {
        try await read { [logger] client in
            var values: [T] = []
            for try await row in try await client.query(query, logger: logger) { values.append(try decode(row)) }
            return values
        }
    }

    /// The first row of `query`, decoded, or `nil`.
    func first<T: Sendable>(_ query: PostgresQuery,
                            _ decode: @escaping @Sendable (PostgresRow) throws -> T) async throws(JournalError) -> T? {
        try await all(query, decode).first
    }

    // MARK: Events and tasks

    /// The folded state of one task, or `nil`.
    public func task(arn: String) async throws(JournalError) -> TaskRecord? {
        try await first("SELECT \(unescaped: PostgresRows.taskColumns) FROM tasks WHERE task_arn = \(arn)") {
            try PostgresRows.task($0, decoder: JSONDecoder())
        }
    }

    /// Tasks ordered by ARN, optionally of one cluster and/or one `lastStatus`, after `after`.
    public func tasks(cluster: String? = nil, status: String? = nil, limit: Int = 100,
                      after: String? = nil) async throws(JournalError) -> [TaskRecord] {
        try await all(Self.taskListQuery(cluster: cluster, service: nil, status: status, limit: limit, after: after)) {
            try PostgresRows.task($0, decoder: JSONDecoder())
        }
    }

    /// The folded state of each known task of `arns`, by ARN.
    public func tasks(arns: some Collection<String>) async throws(JournalError) -> [String: TaskRecord] {
        let keys = Array(Set(arns))
        guard !keys.isEmpty else { return [:] }
        let tasks = try await all("SELECT \(unescaped: PostgresRows.taskColumns) FROM tasks WHERE task_arn = ANY(\(keys))") {
            try PostgresRows.task($0, decoder: JSONDecoder())
        }
        return Dictionary(tasks.map { ($0.taskArn, $0) }, uniquingKeysWith: { _, new in new })
    }

    /// Journal rows with a sequence number greater than `sequence`, oldest first.
    public func entries(after sequence: Int64, limit: Int) async throws(JournalError) -> [JournalEntry] {
        try await all("""
            SELECT \(unescaped: PostgresRows.entryColumns) FROM events WHERE sequence > \(sequence)
            ORDER BY sequence LIMIT \(EventJournal.clamp(limit))
            """, PostgresRows.entry)
    }

    /// The newest journal rows of one task, oldest first.
    public func entries(forTask arn: String, limit: Int) async throws(JournalError) -> [JournalEntry] {
        try await all("""
            SELECT * FROM (SELECT \(unescaped: PostgresRows.entryColumns) FROM events WHERE task_arn = \(arn)
                           ORDER BY sequence DESC LIMIT \(EventJournal.clamp(limit))) AS newest
            ORDER BY sequence
            """, PostgresRows.entry)
    }

    /// The highest sequence number journaled so far (0 when empty).
    public func lastSequence() async throws(JournalError) -> Int64 {
        try await first("SELECT COALESCE(max(sequence), 0)::int8 FROM events") { try $0.decode(Int64.self) } ?? 0
    }

    /// The `source` of a journal row, or `nil` when there is no such row.
    public func source(ofSequence sequence: Int64) async throws(JournalError) -> String? {
        try await first("SELECT source FROM events WHERE sequence = \(sequence)") { try $0.decode(String.self) }
    }

    // MARK: Work keys

    /// Keys waiting for a worker (pending or running), in key order after `after`.
    public func pendingWork(limit: Int, after: String? = nil) async throws(JournalError) -> [WorkItem] {
        try await all("""
            SELECT \(unescaped: PostgresRows.workColumns) FROM work
            WHERE state IN ('pending', 'running') AND key > \(after ?? "") ORDER BY key LIMIT \(EventJournal.clamp(limit))
            """, PostgresRows.work)
    }

    /// Keys in one state (or all), ordered by key, after `after`.
    public func work(state: WorkState?, limit: Int, after: String? = nil) async throws(JournalError) -> [WorkItem] {
        try await all("""
            SELECT \(unescaped: PostgresRows.workColumns) FROM work
            WHERE (\(state?.rawValue)::text IS NULL OR state = \(state?.rawValue))
              AND (\(after)::text IS NULL OR key > \(after))
            ORDER BY key LIMIT \(EventJournal.clamp(limit))
            """, PostgresRows.work)
    }

    /// One key, or `nil`.
    public func workItem(key: String) async throws(JournalError) -> WorkItem? {
        try await first("SELECT \(unescaped: PostgresRows.workColumns) FROM work WHERE key = \(key)", PostgresRows.work)
    }

    /// The work items of `keys` that exist, by key.
    public func workItems(keys: some Collection<String>) async throws(JournalError) -> [String: WorkItem] {
        let keys = Array(Set(keys))
        guard !keys.isEmpty else { return [:] }
        let items = try await all("SELECT \(unescaped: PostgresRows.workColumns) FROM work WHERE key = ANY(\(keys))",
                                  PostgresRows.work)
        return Dictionary(items.map { ($0.key, $0) }, uniquingKeysWith: { _, new in new })
    }

    /// Work keys that start with `prefix` and end with `suffix` (at most 10).
    public func workKeys(prefix: String, suffix: String) async throws(JournalError) -> [WorkItem] {
        let pattern = EventJournal.likeEscaped(prefix) + "%" + EventJournal.likeEscaped(suffix)
        return try await all("""
            SELECT \(unescaped: PostgresRows.workColumns) FROM work WHERE key LIKE \(pattern) ESCAPE '\\' ORDER BY key LIMIT 10
            """, PostgresRows.work)
    }

    /// How many keys are in each state (every state present, zero if none).
    public func workCounts() async throws(JournalError) -> [WorkState: Int] {
        let rows = try await all("SELECT state, count(*)::int8 FROM work GROUP BY state") { try $0.decode((String, Int64).self) }
        var counts = Dictionary(uniqueKeysWithValues: WorkState.allCases.map { ($0, 0) })
        for (name, count) in rows { if let state = WorkState(rawValue: name) { counts[state] = Int(count) } }
        return counts
    }

    // MARK: Services, task metadata, settings

    /// The record of one service, or `nil`.
    public func service(name: String) async throws(JournalError) -> ServiceRecord? {
        try await first("SELECT \(unescaped: PostgresRows.serviceColumns) FROM services WHERE name = \(name)",
                        PostgresRows.service)
    }

    /// All services, ordered by name.
    public func services() async throws(JournalError) -> [ServiceRecord] {
        try await all("SELECT \(unescaped: PostgresRows.serviceColumns) FROM services ORDER BY name", PostgresRows.service)
    }

    /// The cached metadata of one task, or `nil`.
    public func taskMeta(arn: String) async throws(JournalError) -> TaskMeta? {
        try await first("SELECT \(unescaped: PostgresRows.metaColumns) FROM task_meta WHERE task_arn = \(arn)",
                        PostgresRows.meta)
    }

    /// The cached metadata of each task of `arns` that has any, by ARN.
    public func taskMeta(arns: some Collection<String>) async throws(JournalError) -> [String: TaskMeta] {
        let keys = Array(Set(arns))
        guard !keys.isEmpty else { return [:] }
        let metas = try await all("SELECT \(unescaped: PostgresRows.metaColumns) FROM task_meta WHERE task_arn = ANY(\(keys))",
                                  PostgresRows.meta)
        return Dictionary(metas.map { ($0.taskArn, $0) }, uniquingKeysWith: { _, new in new })
    }

    /// The value stored under `name`, or `nil`.
    public func setting(_ name: String) async throws(JournalError) -> String? {
        try await first("SELECT value FROM settings WHERE name = \(name)") { try $0.decode(String.self) }
    }

    // MARK: Heartbeats

    /// The journaled health of one task, or `nil`.
    public func taskHealth(arn: String) async throws(JournalError) -> TaskHealthRecord? {
        try await first("SELECT \(unescaped: PostgresRows.healthColumns) FROM task_health WHERE task_arn = \(arn)",
                        PostgresRows.health)
    }

    /// Every journaled health record, by ARN.
    public func taskHealthRecords() async throws(JournalError) -> [TaskHealthRecord] {
        try await all("SELECT \(unescaped: PostgresRows.healthColumns) FROM task_health ORDER BY task_arn",
                      PostgresRows.health)
    }

    /// Who may send heartbeats for `taskArn`, or `nil` for a task the journal does not know.
    public func heartbeatIdentity(taskArn: String) async throws(JournalError) -> HeartbeatIdentity? {
        try await first("\(unescaped: Self.identitySQL) WHERE t.task_arn = \(taskArn)", Self.identity)
    }

    /// The identities of every mesh task that has not stopped.
    public func heartbeatIdentities() async throws(JournalError) -> [HeartbeatIdentity] {
        try await all("\(unescaped: Self.identitySQL) WHERE m.mesh AND t.last_status <> 'STOPPED'", Self.identity)
    }

    /// Token hashes of the services whose token exists: service name → lower-case hex SHA-256.
    public func serviceTokenHashes() async throws(JournalError) -> [String: String] {
        let rows = try await all("""
            SELECT name, token_sha256 FROM services WHERE token_sha256 IS NOT NULL AND token_deleted_at IS NULL
            """) { try $0.decode((String, String).self) }
        return Dictionary(rows, uniquingKeysWith: { _, new in new })
    }

    private static let identitySQL = """
        SELECT t.task_arn, CASE WHEN m.mesh THEN m.service_name END, s.token_sha256, t.last_status
        FROM tasks t LEFT JOIN task_meta m ON m.task_arn = t.task_arn
        LEFT JOIN services s ON s.name = m.service_name AND m.mesh AND s.token_deleted_at IS NULL
        """

    private static func identity(_ row: PostgresRow) throws -> HeartbeatIdentity {
        let (arn, service, token, lastStatus) = try row.decode((String, String?, String?, String).self)
        return HeartbeatIdentity(taskArn: arn, serviceName: service, tokenSHA256: token, stopped: lastStatus == "STOPPED")
    }

    // MARK: Task lists

    /// The keyset-paginated task list (the SQLite journal's `taskListQuery`): tasks in ARN order,
    /// filtered by cluster, Consul service name (through `task_meta`) and `lastStatus`.
    static func taskListQuery(cluster: String?, service: String?, status: String?, limit: Int,
                              after: String?) -> PostgresQuery {
        """
        SELECT \(unescaped: PostgresRows.taskColumns) FROM tasks
        WHERE (\(cluster)::text IS NULL OR cluster_arn = \(cluster))
          AND (\(service)::text IS NULL OR task_arn IN (SELECT task_arn FROM task_meta WHERE service_name = \(service)))
          AND (\(status)::text IS NULL OR last_status = \(status))
          AND (\(after)::text IS NULL OR task_arn > \(after))
        ORDER BY task_arn LIMIT \(EventJournal.clamp(limit))
        """
    }
}
