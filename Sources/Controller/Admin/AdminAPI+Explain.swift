import Foundation
import HTTPServer
import Journal
import MeshModel

extension AdminAPI {
    /// `GET /v1/tasks/{taskId}/explain`: why the task is, or is not, in the mesh, in plain sentences
    /// (``TaskExplanation``), gathered from the journal and the heartbeat tracker; never calls Consul or AWS.
    func explain(_ request: HTTPRequest) async -> HTTPResponse {
        await answer(request) { query in
            let row = try oneTask(request.pathParameters["taskId"] ?? "")
            let arn = row.task.taskArn
            let facts = TaskExplanationFacts(
                row: row,
                events: try journal.entries(forTask: arn, limit: Self.taskJournalLimit),
                service: try row.meta?.serviceName.flatMap { name throws(JournalError) in try journal.service(name: name) },
                health: try journal.taskHealth(arn: arn),
                lastHeartbeatAge: heartbeats?.tracker.lastHeartbeatAge(of: arn),
                heartbeatTTLSeconds: heartbeats?.ttlSeconds ?? MeshConfiguration.Heartbeat().ttlSeconds,
                work: try journal.workItem(key: WorkKey.task(arn: arn).rawValue),
                workersEnabled: queue != nil,
                membership: meshConfigs?.status(taskArn: arn).flatMap(MembershipSource.init(status:)) ?? .tags,
                now: now())
            return AdminJSON.response(TaskExplanation(facts), pretty: query.pretty)
        }
    }

    /// The one task with ID `taskID` (the last segment of its ARN).
    /// - Throws: 404 when none was journaled, 409 when two clusters reused the ID.
    func oneTask(_ taskID: String) throws -> AdminTaskRow {
        let rows = try journal.adminTasks(id: taskID)
        guard let row = rows.first else {
            throw AdminProblem.notFound("no event for a task with ID \(AdminProblem.quoted(taskID)) was journaled")
        }
        guard rows.count == 1 else {
            throw AdminProblem.conflict("\(rows.count) tasks have ID \(AdminProblem.quoted(taskID)): \(rows.map { AdminProblem.quoted($0.task.taskArn) }.joined(separator: ", "))")
        }
        return row
    }
}

/// What `explain` reads of the heartbeat path: the in-memory tracker and the TTL it enforces.
public struct AdminHeartbeatView: Sendable {
    let tracker: HeartbeatTracker
    let ttlSeconds: Double

    public init(tracker: HeartbeatTracker, ttlSeconds: Double) {
        self.tracker = tracker
        self.ttlSeconds = ttlSeconds
    }
}

extension MembershipSource {
    /// What the registration worker last resolved for the task (its `meshConfig`), when it decided
    /// membership: the source, and the config's warnings or the error that left it unregistered.
    init?(status: MeshConfigStatus) {
        guard let source = status.source else { return nil }
        self.init(decidedBy: source, warnings: status.warnings.map(\.description)
            + (status.error.map { ["the task stays unregistered: \($0)"] } ?? []))
    }
}
