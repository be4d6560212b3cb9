import Foundation
import HTTPServer
import Logging
import Journal
import MeshModel

extension AdminAPI {
    /// `GET /v1/tasks/{taskId}/explain`: why the task is, or is not, in the mesh, in plain sentences
    /// (``TaskExplanation``), gathered from the journal, the heartbeat tracker and, for the
    /// registration, a live read of Consul's catalog (``AdminCatalogReading``); never calls AWS.
    func explain(_ request: HTTPRequest) async -> HTTPResponse {
        await answer(request) { query in
            let row = try await oneTask(request.pathParameters["taskId"] ?? "")
            let arn = row.task.taskArn
            let membership = meshConfigs?.status(taskArn: arn).flatMap(MembershipSource.init(status:)) ?? .tags
            let consul = await consulView(of: row, gateway: membership.gatewayKind != nil, request: request)
            var service: ServiceRecord?
            if let name = row.meta?.serviceName { service = try await journal.service(name: name) }
            let facts = TaskExplanationFacts(
                row: row,
                events: try await journal.entries(forTask: arn, limit: Self.taskJournalLimit),
                service: service,
                health: try await journal.taskHealth(arn: arn),
                lastHeartbeatAge: heartbeats?.tracker.lastHeartbeatAge(of: arn),
                heartbeatTTLSeconds: heartbeats?.ttlSeconds ?? MeshConfiguration.Heartbeat().ttlSeconds,
                work: try await journal.workItem(key: WorkKey.task(arn: arn).rawValue),
                workersEnabled: queue != nil,
                membership: membership,
                consul: consul,
                now: now())
            return AdminJSON.response(TaskExplanation(facts), pretty: query.pretty)
        }
    }

    /// What Consul lists now of the task's service and proxy on its cluster's node. Read only for a
    /// task in the mesh whose service name is known (before that there is nothing to look for).
    func consulView(of row: AdminTaskRow, gateway: Bool, request: HTTPRequest) async -> ConsulRegistrationView {
        guard let catalog else { return .notRead }
        guard row.meta?.mesh == true, let service = row.meta?.serviceName else { return .notRead }
        let serviceID = MeshNames.serviceID(service: service, taskID: row.task.taskID)
        do {
            let ids = try await catalog.serviceIDs(onNode: row.task.clusterArn, logger: logger)
            return .read(service: ids.contains(serviceID),
                         proxy: gateway ? nil : ids.contains(MeshNames.proxyID(serviceID: serviceID)))
        } catch {
            logger.warning("Explain could not read Consul", metadata: [
                "mesh.request.id": .string(request.requestID), "mesh.error": .string("\(error)"),
            ])
            return .unreadable("\(error)")
        }
    }

    /// The one task with ID `taskID` (the last segment of its ARN).
    /// - Throws: 404 when none was journaled, 409 when two clusters reused the ID.
    func oneTask(_ taskID: String) async throws -> AdminTaskRow {
        let rows = try await journal.adminTasks(id: taskID)
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
            + (status.error.map { ["the task stays unregistered: \($0)"] } ?? []),
                  gatewayKind: status.gatewayKind)
    }
}
