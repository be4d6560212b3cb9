@testable import Controller
import ErrorClassification
import Foundation
@testable import Journal
import MeshModel
import Testing

/// The sentences of `explain`, from facts alone: the three examples of the issue (outside the mesh
/// by its tag, waiting on a throttled AWS call, draining) and a registered task.
struct TaskExplanationTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let cluster = "arn:aws:ecs:us-east-1:111122223333:cluster/apps"
    static let arn = "arn:aws:ecs:us-east-1:111122223333:task/apps/0abc"

    private func facts(lastStatus: TaskStatus = .running, desired: TaskStatus = .running, tags: [String: String]?,
                       work: WorkItem?, service: ServiceRecord? = nil, health: TaskHealthRecord? = nil,
                       heartbeatAge: Duration? = nil) -> TaskExplanationFacts {
        let task = TaskRecord(taskArn: Self.arn, taskID: "0abc", clusterArn: Self.cluster, lastStatus: lastStatus,
                              desiredStatus: desired, version: 3, family: "web", address: "10.0.0.7")
        let meta = tags.map { tags in
            TaskMeta(taskArn: Self.arn, mesh: MeshTags(tags).isMesh, serviceName: MeshTags(tags).isMesh ? "web" : nil,
                     tags: tags, servicePort: 8080, describedAt: Self.now.addingTimeInterval(-30))
        }
        let entry = JournalEntry(sequence: 7, receivedAt: Self.now.addingTimeInterval(-12), eventID: "e", taskArn: Self.arn,
                                 version: 3, lastStatus: lastStatus.rawValue, outcome: .applied, body: "{}")
        return TaskExplanationFacts(row: AdminTaskRow(task: task, meta: meta), events: [entry], service: service, health: health,
                                    lastHeartbeatAge: heartbeatAge, heartbeatTTLSeconds: 15, work: work, workersEnabled: true,
                                    now: Self.now)
    }

    private func work(_ state: WorkState, attempts: Int = 0, error: String? = nil, errorClass: ErrorClass? = nil,
                      notBefore: Date? = nil) -> WorkItem {
        var item = WorkItem(key: "task:" + Self.arn, state: state, generation: 2, attempts: attempts, lastError: error,
                            notBefore: notBefore, updatedAt: Self.now)
        item.lastErrorClass = errorClass
        return item
    }

    /// A task whose mesh tag is "false" is outside the mesh, and the sentence names the tag.
    @Test func explain_whenMeshTagFalse_namesTheTag() {
        // Given a running task tagged consul.hashicorp.com/mesh=false, its key done
        let explanation = TaskExplanation(facts(tags: ["consul.hashicorp.com/mesh": "false"], work: work(.done)))
        // Then
        #expect(explanation.desiredState == "not-in-mesh" && explanation.inMesh == false && !explanation.registered)
        #expect(explanation.membershipDecidedBy == "tags")
        #expect(explanation.summary.contains("consul.hashicorp.com/mesh"))
        let membership = explanation.steps.first { $0.topic == "membership" }?.text ?? ""
        #expect(membership == #"It is not in the mesh, decided by its tags: tag consul.hashicorp.com/mesh is "false", and only "true" puts a task in the mesh. Tags read 30 s ago."#)
        #expect(explanation.steps.map(\.topic) == ["events", "membership", "work"])
    }

    /// A task without the tag gets told which tag to set.
    @Test func explain_whenNoMeshTag_saysWhichTagToSet() {
        let explanation = TaskExplanation(facts(tags: [:], work: work(.done)))
        #expect(explanation.steps[1].text.contains("it has no consul.hashicorp.com/mesh tag (set consul.hashicorp.com/mesh=true"))
    }

    /// A registered task: names, token, heartbeat and a converged key.
    @Test func explain_whenRegistered_saysWhereAndHowHealthy() {
        // Given a mesh task with a token, a healthy heartbeat 2 s ago, its key done
        let service = ServiceRecord(name: "web", clusterArn: Self.cluster, accessorID: "acc-1",
                                    secretArn: "arn:aws:secretsmanager:us-east-1:1:secret:ecs-mesh-web", updatedAt: Self.now)
        let health = TaskHealthRecord(taskArn: Self.arn, health: TaskHealth(phase: .reporting, containers: ["app": .healthy]),
                                      revision: 1, changedAt: Self.now)
        let explanation = TaskExplanation(facts(tags: ["consul.hashicorp.com/mesh": "true"], work: work(.done), service: service,
                                                health: health, heartbeatAge: .seconds(2)))
        // Then
        #expect(explanation.registered && explanation.summary == "Task 0abc is registered in the mesh as service web.")
        #expect(explanation.steps.map(\.topic) == ["events", "membership", "token", "registration", "health", "work"])
        let text = Dictionary(uniqueKeysWithValues: explanation.steps.map { ($0.topic, $0.text) })
        #expect(text["events"] == "The controller holds 1 journal row for this task; the latest is sequence 7 (event, RUNNING, version 3, applied) received 12 s ago. ECS last reported lastStatus RUNNING, desiredStatus RUNNING (version 3).")
        #expect(text["token"] == "Service web has its token: accessor acc-1 in secret arn:aws:secretsmanager:us-east-1:1:secret:ecs-mesh-web.")
        #expect(text["registration"] == "It is registered in Consul as service web-0abc and proxy web-0abc-sidecar-proxy on node \(Self.cluster) at 10.0.0.7:8080.")
        #expect(text["health"] == "Its heartbeat sidecar reports app HEALTHY (passing); the latest heartbeat arrived 2.0 s ago (TTL 15 s).")
        #expect(text["work"] == "Its work key task:0abc is done: Consul matches what the controller wants.")
    }

    /// Tags not read because DescribeTasks is throttled: undecided, and when the next attempt runs.
    @Test func explain_whenThrottled_saysRetryAt() {
        // Given no tags yet and a pending key with a throttling error and a backoff
        let error = "WorkerError.ecs: DescribeTasks: AWSError ThrottlingException: Rate exceeded"
        let explanation = TaskExplanation(facts(tags: nil, work: work(.pending, attempts: 2, error: error, errorClass: .transient,
                                                                        notBefore: Self.now.addingTimeInterval(4))))
        // Then
        #expect(explanation.desiredState == "unknown" && explanation.inMesh == nil && explanation.membershipDecidedBy == nil)
        let workText = explanation.steps.last?.text ?? ""
        #expect(workText.hasPrefix("Its work key task:0abc is pending after 2 failed attempts; the next attempt is at 2027-01-15T08:00:04Z (in 4.0 s)."))
        #expect(workText.contains("Last error (transient): WorkerError.ecs") && workText.contains("AWS throttled the call"))
    }

    /// A draining task: checks critical, deregistered when stopped; a parked key says how to retry.
    @Test func explain_whenDrainingAndParked_saysWhatHappensNext() {
        let explanation = TaskExplanation(facts(desired: .stopped, tags: ["consul.hashicorp.com/mesh": "true"],
                                                work: work(.failed, attempts: 1, error: "WorkerError.consulCatalog: boom",
                                                           errorClass: .permanent)))
        #expect(explanation.desiredState == "draining" && explanation.summary.contains("draining"))
        let text = Dictionary(uniqueKeysWithValues: explanation.steps.map { ($0.topic, $0.text) })
        #expect(text["registration"]?.contains("critical checks so traffic drains") == true)
        #expect(text["health"] == "Its heartbeat sidecar never reported, so its checks follow the ECS events; no heartbeat arrived since the controller started (TTL 15 s).")
        #expect(text["work"]?.contains("parked as failed after 1 attempt because its error is permanent. Last error (permanent): WorkerError.consulCatalog: boom") == true, "\(text["work"] ?? "")")
        #expect(text["work"]?.contains("`ecs-mesh-controller retry task:0abc`") == true)
    }

    /// A registered task whose service and proxy Consul lists: the registration sentence says so.
    @Test func explain_whenConsulListsBoth_saysItIsRegistered() {
        // Given a converged mesh task, and Consul listing its service and proxy
        var facts = facts(tags: ["consul.hashicorp.com/mesh": "true"], work: work(.done))
        facts.consul = .read(service: true, proxy: true)
        // When
        let explanation = TaskExplanation(facts)
        // Then
        #expect(explanation.registered && explanation.inConsul == true)
        #expect(explanation.summary == "Task 0abc is registered in the mesh as service web.")
        #expect(explanation.steps.first { $0.topic == "registration" }?.text
                == "It is registered: Consul lists service web-0abc and proxy web-0abc-sidecar-proxy on node \(Self.cluster) now, at 10.0.0.7:8080.")
    }

    /// Registrations deleted by hand: the journal says done, Consul lists neither, and explain believes Consul.
    @Test func explain_whenConsulListsNothingThoughKeyDone_saysItIsMissing() {
        // Given a converged mesh task that Consul does not list
        var facts = facts(tags: ["consul.hashicorp.com/mesh": "true"], work: work(.done))
        facts.consul = .read(service: false, proxy: false)
        // When
        let explanation = TaskExplanation(facts)
        // Then
        #expect(!explanation.registered && explanation.inConsul == false)
        #expect(explanation.summary == "Task 0abc should be registered in the mesh, but Consul does not list it now: it was removed outside the controller.")
        let text = explanation.steps.first { $0.topic == "registration" }?.text ?? ""
        #expect(text.hasPrefix("Consul lists neither service web-0abc nor proxy web-0abc-sidecar-proxy on node \(Self.cluster) now, though its task key is done"))
        #expect(text.contains("`ecs-mesh-controller retry task:0abc`"))
    }

    /// Only the proxy is missing: the sentence names which one Consul lists.
    @Test func explain_whenConsulListsServiceOnly_namesTheMissingProxy() {
        var facts = facts(tags: ["consul.hashicorp.com/mesh": "true"], work: work(.pending))
        facts.consul = .read(service: true, proxy: false)
        let explanation = TaskExplanation(facts)
        #expect(!explanation.registered && explanation.inConsul == false)
        #expect(explanation.steps.first { $0.topic == "registration" }?.text
                == "Consul lists service web-0abc on node \(Self.cluster) now, but not proxy web-0abc-sidecar-proxy; its task key registers them.")
    }

    /// A gateway has no sidecar proxy: its service alone is what Consul must list.
    @Test func explain_whenGatewayListed_namesNoProxy() {
        var facts = facts(tags: ["consul.hashicorp.com/mesh": "true"], work: work(.done))
        facts.membership = MembershipSource(decidedBy: "consul-ecs-config", gatewayKind: "mesh-gateway")
        facts.consul = .read(service: true, proxy: nil)
        let explanation = TaskExplanation(facts)
        #expect(explanation.registered && explanation.inConsul == true)
        #expect(explanation.steps.first { $0.topic == "registration" }?.text
                == "It is registered: Consul lists service web-0abc on node \(Self.cluster) now, at 10.0.0.7:8080.")
    }

    /// Consul unreadable: the controller's record, saying that Consul could not be read and why.
    @Test func explain_whenConsulUnreadable_givesTheRecordAndWhy() {
        var facts = facts(tags: ["consul.hashicorp.com/mesh": "true"], work: work(.done))
        facts.consul = .unreadable("unavailable: connection refused")
        let explanation = TaskExplanation(facts)
        #expect(explanation.registered && explanation.inConsul == nil)
        #expect(explanation.steps.first { $0.topic == "registration" }?.text
                == "It is registered in Consul as service web-0abc and proxy web-0abc-sidecar-proxy on node \(Self.cluster) at 10.0.0.7:8080. "
                + "Consul could not be read just now (unavailable: connection refused), so this is the controller's record.")
    }

    /// A draining task that Consul still lists: critical checks, until ECS reports it stopped.
    @Test func explain_whenDrainingAndListed_saysTrafficDrains() {
        var facts = facts(desired: .stopped, tags: ["consul.hashicorp.com/mesh": "true"], work: work(.done))
        facts.consul = .read(service: true, proxy: true)
        let text = TaskExplanation(facts).steps.first { $0.topic == "registration" }?.text ?? ""
        #expect(text == "ECS wants it stopped (desiredStatus STOPPED): Consul lists service web-0abc and proxy web-0abc-sidecar-proxy on node \(Self.cluster) now, with critical checks so traffic drains, until ECS reports it STOPPED.")
    }

    /// A task put in the mesh by its CONSUL_ECS_CONFIG_JSON says so, with the config's warnings.
    @Test func explain_whenDecidedByConsulECSConfig_namesTheConfigAndItsWarnings() throws {
        // Given a task without the mesh tag, in the mesh by its config, which had a warning
        var facts = facts(tags: ["consul.hashicorp.com/mesh": "true"], work: work(.done))
        facts.row.meta?.tags = [:]
        let status = MeshConfigStatus(source: "consul-ecs-config", nameSource: "consul-ecs-config", hasConsulECSConfig: true,
                                      warnings: [ConsulECSConfigWarning(field: "transparentProxy", message: "not set up")])
        facts.membership = try #require(MembershipSource(status: status))
        // When
        let explanation = TaskExplanation(facts)
        // Then
        #expect(explanation.membershipDecidedBy == "consul-ecs-config")
        let membership = explanation.steps.first { $0.topic == "membership" }?.text ?? ""
        #expect(membership.hasPrefix("It is in the mesh, decided by its consul-ecs-config: it has no consul.hashicorp.com/mesh tag, and its task definition sets CONSUL_ECS_CONFIG_JSON."))
        #expect(membership.contains("Warnings: transparentProxy: not set up."))
    }
}
