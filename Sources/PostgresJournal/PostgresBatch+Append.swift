import Foundation
import Journal
import MeshModel
import PostgresNIO

/// Appending events: the hot path, in three statements whatever the number of events.
extension PostgresBatch {
    /// Journals the events of several appends and folds them into their tasks.
    ///
    /// 1. One transaction-scoped advisory lock per distinct task ARN, taken in sorted order by one
    ///    statement: another transaction folding events of the same task (this replica's next batch
    ///    committing beside this one, or another replica's) waits until this transaction ends, and
    ///    none can deadlock on these locks (every one takes them in the same order).
    /// 2. The tasks, read by one `= ANY` after the locks (a new statement: READ COMMITTED sees what
    ///    the transaction that held a lock committed, so a fold always starts from the task's newest
    ///    state, and its event rows draw sequence numbers after that transaction's).
    /// 3. ``TaskFold`` in Swift, event by event; then one statement inserts the rows in order (their
    ///    sequence numbers follow the events' order), upserts the changed tasks, marks their work
    ///    keys with the batch's other marks, and notifies them.
    /// - Returns: Per append, one result per event, in order.
    mutating func append(_ appends: [(events: [DecodedEvent], source: String, at: Date)]) async throws -> [[AppendResult]] {
        let arns = Array(Set(appends.flatMap { $0.events.map(\.change.taskArn) })).sorted()
        _ = try await connection.query("""
            SELECT pg_advisory_xact_lock(k)
            FROM (SELECT DISTINCT hashtextextended(a, 0) AS k FROM unnest(\(arns)::text[]) AS a) AS d
            ORDER BY k
            """, logger: logger).collect()
        var known: [String: TaskRecord] = [:]
        let decoder = JSONDecoder()
        let rows = try await connection.query("""
            SELECT \(unescaped: PostgresRows.taskColumns) FROM tasks WHERE task_arn = ANY(\(arns))
            """, logger: logger)
        for try await row in rows {
            let task = try PostgresRows.task(row, decoder: decoder)
            known[task.taskArn] = task
        }

        var rowsToInsert = EventRows()
        var outcomes: [FoldOutcome] = []
        /// Changed tasks: the event index of their last applied event, and the time it was received.
        var changed: [String: (index: Int, at: Date)] = [:]
        for append in appends {
            for event in append.events {
                let change = event.change
                let (outcome, record) = TaskFold.fold(change, into: known[change.taskArn])
                if outcome == .applied, let record {
                    known[change.taskArn] = record
                    changed[change.taskArn] = (outcomes.count, append.at)
                }
                rowsToInsert.add(event, outcome: outcome, source: append.source, at: append.at)
                outcomes.append(outcome)
            }
        }
        for (arn, last) in changed { mark(WorkKey.task(arn: arn).rawValue, at: last.at) }
        let sequences = try await write(rowsToInsert, tasks: changed.keys.sorted().map { known[$0]! })
        guard sequences.count == outcomes.count else {
            throw JournalError.failed.with(message: "inserted \(sequences.count) event rows for \(outcomes.count) events")
        }

        var results: [[AppendResult]] = []
        var index = 0
        for append in appends {
            results.append(append.events.map { event in
                defer { index += 1 }
                return AppendResult(sequence: sequences[index], outcome: outcomes[index], taskArn: event.change.taskArn)
            })
        }
        return results
    }

    /// One statement for the rest: inserts the event rows in order, upserts the changed tasks
    /// (each with the sequence of its last applied event) in ARN order, marks the collected work
    /// keys and notifies them. Returns the events' sequence numbers in order (identity values are
    /// drawn as the rows are inserted, so sorting them restores the order). Nullable task columns
    /// travel as arrays with a bit mask of their NULLs (PostgresNIO binds no optional array elements).
    private mutating func write(_ rows: EventRows, tasks: [TaskRecord]) async throws -> [Int64] {
        let columns = TaskColumns(tasks)
        let marked = takeMarks()
        let inserted = try await connection.query("""
            WITH inserted AS (
                INSERT INTO events (received_at, event_id, task_arn, version, last_status, outcome, source, body)
                SELECT r, e, t, v, l, o, s, b
                FROM unnest(\(rows.receivedAt)::float8[], \(rows.eventIDs)::text[], \(rows.taskArns)::text[],
                            \(rows.versions)::int8[], \(rows.lastStatuses)::text[], \(rows.outcomes)::text[],
                            \(rows.sources)::text[], \(rows.bodies)::text[])
                     WITH ORDINALITY AS u(r, e, t, v, l, o, s, b, n)
                ORDER BY n
                RETURNING sequence, task_arn, outcome),
            last_applied AS (
                SELECT task_arn, max(sequence) AS seq FROM inserted WHERE outcome = 'applied' GROUP BY task_arn),
            upserted AS (
                INSERT INTO tasks (\(unescaped: PostgresRows.taskColumns), last_sequence)
                SELECT arn, id, cluster, last, CASE WHEN n & 1 = 0 THEN desired END, version,
                       CASE WHEN n & 2 = 0 THEN grp END, CASE WHEN n & 4 = 0 THEN def END,
                       CASE WHEN n & 8 = 0 THEN fam END, CASE WHEN n & 16 = 0 THEN addr END, containers,
                       CASE WHEN n & 32 = 0 THEN started END, CASE WHEN n & 64 = 0 THEN stopped END,
                       CASE WHEN n & 128 = 0 THEN updated END, last_applied.seq
                FROM unnest(\(columns.arns)::text[], \(columns.ids)::text[], \(columns.clusters)::text[],
                            \(columns.lastStatuses)::text[], \(columns.desired)::text[], \(columns.versions)::int8[],
                            \(columns.groups)::text[], \(columns.definitions)::text[], \(columns.families)::text[],
                            \(columns.addresses)::text[], \(columns.containers)::text[], \(columns.started)::float8[],
                            \(columns.stopped)::float8[], \(columns.updated)::float8[], \(columns.nulls)::int4[])
                     AS x(arn, id, cluster, last, desired, version, grp, def, fam, addr, containers, started, stopped,
                          updated, n)
                JOIN last_applied ON last_applied.task_arn = x.arn
                ORDER BY arn
                ON CONFLICT (task_arn) DO UPDATE SET
                    last_status = EXCLUDED.last_status, desired_status = EXCLUDED.desired_status,
                    version = EXCLUDED.version, task_group = EXCLUDED.task_group,
                    task_definition_arn = EXCLUDED.task_definition_arn, family = EXCLUDED.family,
                    address = EXCLUDED.address, containers_json = EXCLUDED.containers_json,
                    started_at = EXCLUDED.started_at, stopped_at = EXCLUDED.stopped_at,
                    updated_at = EXCLUDED.updated_at, last_sequence = EXCLUDED.last_sequence),
            marked AS (
                INSERT INTO work (key, state, generation, attempts, updated_at)
                SELECT k, 'pending', c, 0, t
                FROM unnest(\(marked.keys)::text[], \(marked.times)::float8[], \(marked.counts)::int8[]) AS m(k, t, c)
                ORDER BY k
                \(unescaped: PostgresBatch.markConflictSQL)),
            notified AS (
                SELECT pg_notify(\(channel), \(marked.payload)) WHERE cardinality(\(marked.keys)::text[]) > 0)
            SELECT sequence, (SELECT count(*) FROM notified) FROM inserted
            """, logger: logger)
        var sequences: [Int64] = []
        sequences.reserveCapacity(rows.eventIDs.count)
        for try await (sequence, _) in inserted.decode((Int64, Int64).self) { sequences.append(sequence) }
        return sequences.sorted()
    }
}

/// The `events` rows of a batch, column by column.
private struct EventRows {
    var receivedAt: [Double] = []
    var eventIDs: [String] = []
    var taskArns: [String] = []
    var versions: [Int64] = []
    var lastStatuses: [String] = []
    var outcomes: [String] = []
    var sources: [String] = []
    var bodies: [String] = []

    mutating func add(_ event: DecodedEvent, outcome: FoldOutcome, source: String, at: Date) {
        receivedAt.append(at.timeIntervalSince1970)
        eventIDs.append(event.change.eventID)
        taskArns.append(event.change.taskArn)
        versions.append(event.change.version)
        lastStatuses.append(event.change.lastStatus.rawValue)
        outcomes.append(outcome.rawValue)
        sources.append(source)
        // The decoder validated the body as UTF-8 JSON, so its bytes are stored as they came.
        bodies.append(String(decoding: event.rawJSON, as: UTF8.self))
    }
}

/// The `tasks` columns of changed tasks, with a NULL mask per row (bit 0 desired_status … bit 7
/// updated_at).
private struct TaskColumns {
    var arns: [String] = [], ids: [String] = [], clusters: [String] = [], lastStatuses: [String] = []
    var desired: [String] = [], versions: [Int64] = [], groups: [String] = [], definitions: [String] = []
    var families: [String] = [], addresses: [String] = [], containers: [String] = []
    var started: [Double] = [], stopped: [Double] = [], updated: [Double] = []
    var nulls: [Int32] = []

    init(_ tasks: [TaskRecord]) {
        for task in tasks {
            var mask: Int32 = 0
            func text(_ value: String?, _ bit: Int32) -> String {
                if value == nil { mask |= bit }
                return value ?? ""
            }
            func seconds(_ value: Date?, _ bit: Int32) -> Double {
                if value == nil { mask |= bit }
                return value?.timeIntervalSince1970 ?? 0
            }
            arns.append(task.taskArn)
            ids.append(task.taskID)
            clusters.append(task.clusterArn)
            lastStatuses.append(task.lastStatus.rawValue)
            desired.append(text(task.desiredStatus?.rawValue, 1))
            versions.append(task.version)
            groups.append(text(task.group, 2))
            definitions.append(text(task.taskDefinitionArn, 4))
            families.append(text(task.family, 8))
            addresses.append(text(task.address, 16))
            containers.append(ContainerJSON.encode(task.containers))
            started.append(seconds(task.startedAt, 32))
            stopped.append(seconds(task.stoppedAt, 64))
            updated.append(seconds(task.updatedAt, 128))
            nulls.append(mask)
        }
    }
}
