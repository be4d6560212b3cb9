import ErrorClassification
import Foundation
import Journal
import MeshModel

/// Where a task's mesh membership and service name came from.
///
/// Today only the task's `consul.hashicorp.com/*` tags decide. This is the seam for the consul-ecs
/// configuration (`CONSUL_ECS_CONFIG_JSON`): its reader sets ``consulECSConfig`` with what decided
/// and its warnings, and ``TaskExplanation`` says so in the membership sentence.
struct MembershipSource: Sendable, Equatable {
    /// `"tags"` or `"consul-ecs-config"`; what `membershipDecidedBy` reports.
    var decidedBy: String
    /// Warnings of the consul-ecs configuration (unsupported fields), shown after the membership.
    var warnings: [String] = []
    /// The gateway kind of a gateway task (registered without a sidecar proxy).
    var gatewayKind: String?

    static let tags = MembershipSource(decidedBy: "tags")
}

/// Everything the controller knows about one task, gathered from the journal and memory for
/// `GET /v1/tasks/{taskId}/explain`.
struct TaskExplanationFacts: Sendable {
    var row: AdminTaskRow
    /// The task's newest journal rows, oldest first.
    var events: [JournalEntry]
    var service: ServiceRecord?
    var health: TaskHealthRecord?
    /// How long ago this process heard the task's latest heartbeat (`nil`: none since it started).
    var lastHeartbeatAge: Duration?
    var heartbeatTTLSeconds: Double
    var work: WorkItem?
    var workersEnabled: Bool
    var membership: MembershipSource = .tags
    /// What Consul's catalog held of the task's registrations when asked (live).
    var consul: ConsulRegistrationView = .notRead
    var now: Date
}

/// The answer to "why is this task (not) in the mesh?", in plain sentences that follow the chain
/// the controller follows: events, membership, token, registration, health, work.
///
/// Pure: built from ``TaskExplanationFacts`` only, so every sentence is unit-tested without I/O.
struct TaskExplanation: Encodable, Sendable, Equatable {
    /// One link of the chain.
    struct Step: Encodable, Sendable, Equatable {
        /// `events`, `membership`, `token`, `registration`, `health` or `work`.
        var topic: String
        var text: String
    }

    var taskArn: String
    var taskId: String
    /// The task's `desiredState` (see `GET /v1/tasks`).
    var desiredState: String
    /// Whether the task is registered in Consul now: running, in the mesh, its task key converged,
    /// and (when Consul could be read) its service and proxy listed in Consul's catalog.
    var registered: Bool
    /// Whether Consul's catalog, read for this answer, lists the task's service and proxy; `nil`
    /// when Consul was not read (a task outside the mesh, no Consul client, or Consul unreadable).
    var inConsul: Bool?
    /// `nil` until the task's tags were read from ECS.
    var inMesh: Bool?
    /// What decided membership: `tags` (or `consul-ecs-config`); `nil` while undecided.
    var membershipDecidedBy: String?
    var serviceName: String?
    /// The one-sentence answer.
    var summary: String
    var steps: [Step]

    init(_ facts: TaskExplanationFacts) {
        let task = facts.row.task
        let meta = facts.row.meta
        taskArn = task.taskArn
        taskId = task.taskID
        desiredState = AdminTaskDocument.desiredState(facts.row)
        inConsul = facts.consul.complete
        registered = desiredState == "registered" && facts.work?.state == .done && inConsul != false
        inMesh = meta?.mesh
        membershipDecidedBy = meta == nil ? nil : facts.membership.decidedBy
        serviceName = meta?.serviceName
        var steps = [Step(topic: "events", text: Self.events(facts)),
                     Step(topic: "membership", text: Self.membership(facts))]
        if meta?.mesh == true {
            steps.append(Step(topic: "token", text: Self.token(facts)))
            steps.append(Step(topic: "registration", text: Self.registration(facts, desiredState: desiredState)))
            steps.append(Step(topic: "health", text: Self.health(facts)))
        }
        steps.append(Step(topic: "work", text: Self.work(facts)))
        self.steps = steps
        summary = Self.summary(facts, desiredState: desiredState, registered: registered)
    }

    // MARK: - Sentences

    static func summary(_ facts: TaskExplanationFacts, desiredState: String, registered: Bool) -> String {
        let id = facts.row.task.taskID
        switch desiredState {
        case "unknown": return "Task \(id) is not in the mesh yet: its tags have not been read from ECS."
        case "not-in-mesh": return "Task \(id) is not in the mesh: its \(MeshTags.Key.mesh) tag is not \"true\"."
        case "registered" where registered:
            return "Task \(id) is registered in the mesh as service \(facts.row.meta?.serviceName ?? "?")."
        case "registered" where facts.work?.state == .done:
            return "Task \(id) should be registered in the mesh, but Consul does not list it now: it was removed outside the controller."
        case "registered": return "Task \(id) is in the mesh but not registered yet: its work has not converged."
        case "draining": return "Task \(id) is draining: ECS is stopping it, so its checks are critical."
        case "deregistered": return "Task \(id) stopped and is deregistered from the mesh."
        default: return "Task \(id) is in the mesh but not running yet (\(facts.row.task.lastStatus.rawValue)); it is registered once it runs."
        }
    }

    static func events(_ facts: TaskExplanationFacts) -> String {
        let task = facts.row.task
        let desired = task.desiredStatus.map { ", desiredStatus \($0.rawValue)" } ?? ""
        let state = "ECS last reported lastStatus \(task.lastStatus.rawValue)\(desired) (version \(task.version))."
        guard let last = facts.events.last else { return "No journal row of this task is left (retention). " + state }
        let count = facts.events.count == 1 ? "1 journal row" : "\(facts.events.count) journal rows"
        return "The controller holds \(count) for this task; the latest is sequence \(last.sequence) "
            + "(\(last.source), \(last.lastStatus), version \(last.version), \(last.outcome.rawValue)) received "
            + "\(age(last.receivedAt, now: facts.now)). " + state
    }

    static func membership(_ facts: TaskExplanationFacts) -> String {
        let key = MeshTags.Key.mesh
        guard let meta = facts.row.meta else {
            var text = "Its tags have not been read from ECS (DescribeTasks) yet, so its mesh membership is undecided; "
                + "the work step below says why."
            if !facts.membership.warnings.isEmpty {
                text += " Warnings: " + facts.membership.warnings.joined(separator: "; ") + "."
            }
            return text
        }
        let decidedBy = facts.membership.decidedBy == "tags" ? "its tags" : "its \(facts.membership.decidedBy)"
        var text: String
        if meta.mesh, facts.membership.decidedBy != "tags" {
            let name = meta.serviceName.map { " Its Consul service is \($0)." } ?? ""
            text = "It is in the mesh, decided by \(decidedBy): it has no \(key) tag, and its task definition sets "
                + "CONSUL_ECS_CONFIG_JSON.\(name)"
        } else if meta.mesh {
            let name = meta.serviceName.map { " Its Consul service is \($0)." } ?? ""
            text = "It is in the mesh, decided by \(decidedBy): tag \(key) is \"true\".\(name)"
        } else if let value = meta.tags[key] {
            text = "It is not in the mesh, decided by \(decidedBy): tag \(key) is \"\(value)\", and only \"true\" puts a task in the mesh."
        } else {
            text = "It is not in the mesh, decided by \(decidedBy): it has no \(key) tag (set \(key)=true to add it)."
        }
        text += " Tags read \(age(meta.describedAt, now: facts.now))."
        if !facts.membership.warnings.isEmpty {
            text += " Warnings: " + facts.membership.warnings.joined(separator: "; ") + "."
        }
        return text
    }

    static func token(_ facts: TaskExplanationFacts) -> String {
        let name = facts.row.meta?.serviceName ?? "?"
        guard let service = facts.service, let accessor = service.accessorID else {
            return "No service token is recorded for service \(name) yet; its service key creates it."
        }
        if let deleted = service.tokenDeletedAt {
            return "Service \(name)'s token (accessor \(accessor)) was deleted \(age(deleted, now: facts.now)) after "
                + "its grace period; a new task of the service brings it back with the same IDs."
        }
        let secret = service.secretArn.map { " in secret \($0)" } ?? ""
        return "Service \(name) has its token: accessor \(accessor)\(secret)."
    }

    static func health(_ facts: TaskExplanationFacts) -> String {
        let ttl = formatSeconds(facts.heartbeatTTLSeconds)
        let latest = facts.lastHeartbeatAge.map { "the latest heartbeat arrived \(formatSeconds(seconds($0))) ago (TTL \(ttl))" }
            ?? "no heartbeat arrived since the controller started (TTL \(ttl))"
        guard let record = facts.health else {
            return "Its heartbeat sidecar never reported, so its checks follow the ECS events; \(latest)."
        }
        switch record.health.phase {
        case .reporting:
            let containers = record.health.containers.sorted { $0.key < $1.key }
                .map { "\($0.key) \($0.value.rawValue) (\($0.value == .healthy ? "passing" : "critical"))" }
            let listed = containers.isEmpty ? "no container" : containers.joined(separator: ", ")
            return "Its heartbeat sidecar reports \(listed); \(latest)."
        case .stopping:
            return "Its heartbeat sidecar reported STOPPING \(age(record.changedAt, now: facts.now)): every check is critical for good; \(latest)."
        case .expired:
            return "No heartbeat arrived within the TTL: every check has been critical since \(age(record.changedAt, now: facts.now)), "
                + "until a heartbeat arrives; \(latest)."
        }
    }

    static func work(_ facts: TaskExplanationFacts) -> String {
        guard let work = facts.work else { return "It has no work key: nothing is left to do for it." }
        let short = AdminWorkDocument.shortKey(work.key)
        let errorClass = work.lastErrorClass.map { " (\($0.rawValue))" } ?? ""
        let error = work.lastError.map { " Last error\(errorClass): \($0)" + (isThrottling($0) ? " (AWS throttled the call; it is retried with backoff)." : "") } ?? ""
        let noWorkers = facts.workersEnabled ? "" : " No workers run in this controller, so it waits for a start with workers."
        switch work.state {
        case .done:
            return "Its work key \(short) is done: Consul matches what the controller wants." + noWorkers
        case .running:
            return "A worker is converging its work key \(short) now (attempt \(work.attempts + 1)).\(error)"
        case .pending:
            var text = "Its work key \(short) is pending"
            if work.attempts > 0 { text += " after \(work.attempts) failed attempt\(work.attempts == 1 ? "" : "s")" }
            if let notBefore = work.notBefore, notBefore > facts.now {
                text += "; the next attempt is at \(notBefore.formatted(.iso8601)) (in \(formatSeconds(notBefore.timeIntervalSince(facts.now))))"
            } else {
                text += "; a worker takes it next"
            }
            return text + "." + error + noWorkers
        case .failed:
            let why = work.lastErrorClass == .permanent ? " because its error is permanent" : ""
            return "Its work key \(short) is parked as failed after \(work.attempts) attempt\(work.attempts == 1 ? "" : "s")\(why).\(error) "
                + "Fix the cause; it runs again on a new event for the task, a resync that finds it wrong, the periodic "
                + "re-check of parked keys, or `ecs-mesh-controller retry \(short)`."
        }
    }

    // MARK: - Helpers

    static func isThrottling(_ error: String) -> Bool {
        error.contains("Throttl") || error.contains("TooManyRequests") || error.contains("RequestLimitExceeded")
    }

    static func age(_ date: Date, now: Date) -> String {
        let seconds = now.timeIntervalSince(date)
        return seconds >= 0 ? "\(formatSeconds(seconds)) ago" : "at \(date.formatted(.iso8601))"
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// `0.4 s`, `12 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`.
    static func formatSeconds(_ seconds: Double) -> String {
        if seconds < 10 { return String(format: "%.1f s", max(0, seconds)) }
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return "\(whole / 60) min \(whole % 60) s" }
        if whole < 86_400 { return "\(whole / 3600) h \(whole % 3600 / 60) min" }
        return "\(whole / 86_400) d \(whole % 86_400 / 3600) h"
    }
}
