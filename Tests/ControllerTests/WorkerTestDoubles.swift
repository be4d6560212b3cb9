import AWS
import Consul
import Foundation
import Journal
import Logging
import MeshModel
import MeshTestSupport
@testable import Controller

// Test doubles for the worker tests. Names carry a `Worker` prefix: the test target is shared.

/// What the fakes were asked to do, in order (to check "secret before token").
actor WorkerCallLog {
    private(set) var calls: [String] = []
    func append(_ call: String) { calls.append(call) }
}

/// ECS tasks and task definitions in memory.
actor WorkerFakeECS: ECSTaskLookup, ECSTaskDefinitionLookup {
    var tasks: [String: ECSTask] = [:]
    var definitions: [String: ECSTaskDefinition] = [:]
    private(set) var describeCalls = 0
    /// The ARNs asked for, in order.
    private(set) var described: [String] = []

    func add(_ task: ECSTask) { tasks[task.taskArn] = task }
    func add(_ definition: ECSTaskDefinition) { definitions[definition.taskDefinitionArn] = definition }

    func task(arn: String, cluster: String) async throws -> ECSTask? {
        describeCalls += 1
        described.append(arn)
        return tasks[arn]
    }

    func taskDefinition(arn: String) async throws -> ECSTaskDefinition {
        guard let definition = definitions[arn] else { throw WorkerTestFailure("no task definition \(arn)") }
        return definition
    }
}

/// Records catalog writes; can be told to fail.
actor WorkerRecordingCatalog: MeshCatalogWriter {
    private(set) var writes: [(intent: CatalogIntent, change: CatalogIntent.Change)] = []
    private(set) var deregistrations: [(node: String, serviceIDs: [String])] = []
    var failure: (any Error)?

    func setFailure(_ error: (any Error)?) { failure = error }

    func write(_ intent: CatalogIntent, change: CatalogIntent.Change, logger: Logger) async throws {
        if let failure { throw failure }
        writes.append((intent, change))
    }

    func deregister(node: String, serviceIDs: [String], logger: Logger) async throws {
        if let failure { throw failure }
        deregistrations.append((node, serviceIDs))
    }
}

/// Records enqueued and scheduled keys.
actor WorkerRecordingEnqueuer: WorkEnqueuing, WorkScheduler {
    private(set) var enqueued: [String] = []
    private(set) var scheduled: [[String]] = []

    func enqueue(_ keys: [String]) async throws { enqueued += keys }
    func scheduleMarked(_ keys: [String]) async { scheduled.append(keys) }
    func rescanMarked() async {}
}

/// Secrets Manager in memory: name → (ARN, value, version). A put names the version it replaces;
/// when that is no longer the current one, another writer came first and the put is superseded.
actor WorkerFakeSecrets: TokenSecretStore {
    private(set) var values: [String: (arn: String, value: String, version: Int)] = [:]
    private var racer: TokenSecret?
    let log: WorkerCallLog

    init(log: WorkerCallLog) { self.log = log }

    func seed(name: String, value: String) {
        let version = (values[name]?.version ?? 0) + 1
        values[name] = ("arn:aws:secretsmanager:us-east-1:123456789012:secret:\(name)-AbCdEf", value, version)
    }

    func ids(_ name: String) -> TokenSecret? {
        values[name].flatMap { SecretsManagerTokenStore.decode($0.value) }
    }

    /// Another writer, who read the same version, stores `ids` just before the next put lands.
    func raceNextPut(with ids: TokenSecret) { racer = ids }

    func read(name: String, logger: Logger) async throws -> StoredTokenSecret? {
        await log.append("secret.read \(name)")
        return values[name].map {
            StoredTokenSecret(arn: $0.arn, ids: SecretsManagerTokenStore.decode($0.value), versionID: "v\($0.version)")
        }
    }

    func create(name: String, ids: TokenSecret, logger: Logger) async throws -> SecretCreation {
        await log.append("secret.create \(name)")
        if values[name] != nil { return .alreadyExists }
        seed(name: name, value: try SecretsManagerTokenStore.encode(ids))
        return .created(arn: values[name]!.arn)
    }

    func put(secretID: String, ids: TokenSecret, replacing version: String?, logger: Logger) async throws -> SecretPut {
        await log.append("secret.put")
        guard let name = values.first(where: { $0.key == secretID || $0.value.arn == secretID })?.key else {
            throw WorkerTestFailure("no secret \(secretID)")
        }
        if let racer {
            self.racer = nil
            seed(name: name, value: try SecretsManagerTokenStore.encode(racer))
        }
        guard version == "v\(values[name]!.version)" else { return .superseded }
        seed(name: name, value: try SecretsManagerTokenStore.encode(ids))
        return .stored(arn: values[name]!.arn)
    }
}

/// Consul ACL in memory.
actor WorkerFakeACL: TokenACL {
    private(set) var tokens: [String: ACLToken] = [:]
    private(set) var policies: [String: ACLPolicy] = [:]
    let log: WorkerCallLog

    init(log: WorkerCallLog) { self.log = log }

    func seed(_ token: ACLToken) { tokens[token.accessorID] = token }

    func token(accessorID: String, logger: Logger) async throws -> ACLToken? {
        await log.append("token.read")
        return tokens[accessorID]
    }

    func createToken(_ token: ACLToken, logger: Logger) async throws {
        await log.append("token.create")
        guard tokens[token.accessorID] == nil else { throw WorkerTestFailure("accessor exists") }
        tokens[token.accessorID] = token
    }

    func updateToken(_ token: ACLToken, logger: Logger) async throws {
        await log.append("token.update")
        guard tokens[token.accessorID]?.secretID == token.secretID else { throw WorkerTestFailure("no such token") }
        tokens[token.accessorID] = token
    }

    func deleteToken(accessorID: String, logger: Logger) async throws {
        await log.append("token.delete")
        tokens[accessorID] = nil
    }

    func policy(named name: String, logger: Logger) async throws -> ACLPolicy? {
        await log.append("policy.read")
        return policies[name]
    }

    func createPolicy(_ policy: ACLPolicy, logger: Logger) async throws {
        await log.append("policy.create")
        policies[policy.name] = policy
    }
}

struct WorkerTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Events and ECS descriptions of one sample task (the shared running fixture, re-addressed).
enum WorkerSample {
    static let cluster = "arn:aws:ecs:us-east-1:111122223333:cluster/apps"
    static let definition = "arn:aws:ecs:us-east-1:111122223333:task-definition/web:10"

    static func arn(_ taskID: String) -> String { "arn:aws:ecs:us-east-1:111122223333:task/apps/\(taskID)" }

    /// Appends one event of `taskID` to `journal`.
    static func append(_ journal: EventJournal, taskID: String, version: Int, lastStatus: String = "RUNNING",
                       desiredStatus: String = "RUNNING") async throws {
        var object = try JSONSerialization.jsonObject(with: Data(try Fixtures.event(taskID: taskID, version: version,
                                                                                    lastStatus: lastStatus))) as! [String: Any]
        var detail = object["detail"] as! [String: Any]
        detail["desiredStatus"] = desiredStatus
        object["detail"] = detail
        let body = Array(try JSONSerialization.data(withJSONObject: object))
        _ = try await journal.append(try EventDecoder().decode(body), receivedAt: Date())
    }

    /// The ECS description of `taskID` with `tags`.
    static func ecsTask(_ taskID: String, tags: [String: String]) -> ECSTask {
        ECSTask(taskArn: arn(taskID), clusterArn: cluster, taskDefinitionArn: definition, lastStatus: "RUNNING",
                tags: tags.map { ECSTag(key: $0.key, value: $0.value) })
    }

    static let webDefinition = ECSTaskDefinition(
        taskDefinitionArn: definition, family: "web",
        containerDefinitions: [ECSContainerDefinition(name: "web", portMappings: [ECSPortMapping(containerPort: 8080)])]
    )

    static let meshTags = ["consul.hashicorp.com/mesh": "true"]
}
