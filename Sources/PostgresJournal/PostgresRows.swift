import Foundation
import ErrorClassification
import Journal
import MeshModel
import PostgresNIO

/// The columns each record is read from, in the order the decoders below take them (the same
/// columns as the SQLite journal's).
enum PostgresRows {
    static let taskColumns = """
        task_arn, task_id, cluster_arn, last_status, desired_status, version, task_group, \
        task_definition_arn, family, address, containers_json, started_at, stopped_at, updated_at
        """
    static let workColumns = "key, state, generation, attempts, last_error, not_before, updated_at, last_error_class"
    static let serviceColumns = """
        name, cluster_arn, accessor_id, secret_arn, token_sha256, last_task_seen_at, token_deleted_at, updated_at
        """
    static let metaColumns = "task_arn, mesh, service_name, tags_json, service_port, described_at"
    static let entryColumns = "sequence, received_at, event_id, task_arn, version, last_status, outcome, source, body"
    static let healthColumns = "task_arn, phase, containers_json, ttl_seconds, revision, changed_at"

    static func task(_ row: PostgresRow, decoder: JSONDecoder) throws -> TaskRecord {
        let (arn, id, cluster, last, desired, version, group, definition, family, address, containers, started, stopped, updated) =
            try row.decode((String, String, String, String, String?, Int64, String?, String?, String?, String?, String,
                            Double?, Double?, Double?).self)
        return TaskRecord(
            taskArn: arn, taskID: id, clusterArn: cluster, lastStatus: TaskStatus(rawValue: last),
            desiredStatus: desired.map(TaskStatus.init(rawValue:)), version: version, group: group,
            taskDefinitionArn: definition, family: family, address: address,
            containers: try decoder.decode([ContainerState].self, from: Data(containers.utf8)),
            startedAt: date(started), stoppedAt: date(stopped), updatedAt: date(updated))
    }

    static func work(_ row: PostgresRow) throws -> WorkItem {
        let (key, stateName, generation, attempts, lastError, notBefore, updated, errorClass) =
            try row.decode((String, String, Int64, Int, String?, Double?, Double, String?).self)
        guard let state = WorkState(rawValue: stateName) else {
            throw JournalError.corrupt.with(message: "unknown work state '\(stateName)'")
        }
        return WorkItem(key: key, state: state, generation: generation, attempts: attempts, lastError: lastError,
                        lastErrorClass: errorClass.flatMap(ErrorClass.init(rawValue:)), notBefore: date(notBefore),
                        updatedAt: Date(timeIntervalSince1970: updated))
    }

    static func service(_ row: PostgresRow) throws -> ServiceRecord {
        let (name, cluster, accessor, secret, sha, seen, deleted, updated) =
            try row.decode((String, String, String?, String?, String?, Double?, Double?, Double).self)
        return ServiceRecord(name: name, clusterArn: cluster, accessorID: accessor, secretArn: secret, tokenSHA256: sha,
                             lastTaskSeenAt: date(seen), tokenDeletedAt: date(deleted),
                             updatedAt: Date(timeIntervalSince1970: updated))
    }

    static func meta(_ row: PostgresRow) throws -> TaskMeta {
        let (arn, mesh, service, tags, port, described) = try row.decode((String, Bool, String?, String, Int?, Double).self)
        return TaskMeta(taskArn: arn, mesh: mesh, serviceName: service,
                        tags: try JSONDecoder().decode([String: String].self, from: Data(tags.utf8)),
                        servicePort: port, describedAt: Date(timeIntervalSince1970: described))
    }

    static func entry(_ row: PostgresRow) throws -> JournalEntry {
        let (sequence, received, eventID, arn, version, last, outcomeName, source, body) =
            try row.decode((Int64, Double, String, String, Int64, String, String, String, String).self)
        guard let outcome = FoldOutcome(rawValue: outcomeName) else {
            throw JournalError.corrupt.with(message: "unknown outcome '\(outcomeName)' in events row")
        }
        return JournalEntry(sequence: sequence, receivedAt: Date(timeIntervalSince1970: received), eventID: eventID,
                            taskArn: arn, version: version, lastStatus: last, outcome: outcome, source: source, body: body)
    }

    static func health(_ row: PostgresRow) throws -> TaskHealthRecord {
        let (arn, phaseName, containers, ttl, revision, changed) =
            try row.decode((String, String, String, Double?, Int64, Double).self)
        guard let phase = TaskHealth.Phase(rawValue: phaseName) else {
            throw JournalError.corrupt.with(message: "unknown task_health phase '\(phaseName)'")
        }
        return TaskHealthRecord(taskArn: arn,
                                health: TaskHealth(phase: phase, containers: EventJournal.decodeContainers(containers),
                                                   ttlSeconds: ttl),
                                revision: revision, changedAt: Date(timeIntervalSince1970: changed))
    }

    static func date(_ seconds: Double?) -> Date? { seconds.map(Date.init(timeIntervalSince1970:)) }
}
