import Foundation

/// ECS "Task State Change" events for moto tasks, shaped like EventBridge delivers them.
enum MeshEventBuilder {
    /// One event of `task` at `version`.
    /// - Parameters:
    ///   - withAddress: Whether the ENI attachment (and so the address) is in the event; ECS sends it
    ///     from PENDING on, but not while PROVISIONING.
    ///   - health: `healthStatus` of the `app` container, if any.
    static func event(
        _ task: MotoECSFixture.MotoTask, clusterArn: String, version: Int, lastStatus: String,
        desiredStatus: String = "RUNNING", withAddress: Bool = true, health: String? = nil
    ) -> [String: Any] {
        let now = ISO8601DateFormatter().string(from: Date())
        var container: [String: Any] = ["name": "app", "lastStatus": lastStatus, "taskArn": task.taskArn]
        if let health { container["healthStatus"] = health }
        var detail: [String: Any] = [
            "taskArn": task.taskArn, "clusterArn": clusterArn, "taskDefinitionArn": task.taskDefinitionArn,
            "lastStatus": lastStatus, "desiredStatus": desiredStatus, "version": version,
            "group": "family:\(task.family)", "launchType": "FARGATE", "containers": [container],
            "createdAt": now, "updatedAt": now,
        ]
        if withAddress {
            detail["attachments"] = [[
                "id": UUID().uuidString.lowercased(), "type": "eni", "status": "ATTACHED",
                "details": [["name": "privateIPv4Address", "value": task.ip]],
            ]]
        }
        if lastStatus == "STOPPED" { detail["stoppedAt"] = now }
        return [
            "version": "0", "id": UUID().uuidString.lowercased(), "detail-type": "ECS Task State Change",
            "source": "aws.ecs", "account": "123456789012", "time": now, "region": "us-east-1",
            "resources": [task.taskArn], "detail": detail,
        ]
    }

    /// The lifecycle consul-ecs users see: PROVISIONING (no address), PENDING, RUNNING, then
    /// desiredStatus STOPPED while still running, then STOPPED; versions 1…5.
    static func lifecycle(_ task: MotoECSFixture.MotoTask, clusterArn: String) -> [[String: Any]] {
        [
            event(task, clusterArn: clusterArn, version: 1, lastStatus: "PROVISIONING", withAddress: false),
            event(task, clusterArn: clusterArn, version: 2, lastStatus: "PENDING"),
            event(task, clusterArn: clusterArn, version: 3, lastStatus: "RUNNING"),
            event(task, clusterArn: clusterArn, version: 4, lastStatus: "RUNNING", desiredStatus: "STOPPED"),
            event(task, clusterArn: clusterArn, version: 5, lastStatus: "STOPPED", desiredStatus: "STOPPED"),
        ]
    }

    /// A request body: one event, or a JSON array of several.
    static func body(_ events: [[String: Any]]) -> [UInt8] {
        let object: Any = events.count == 1 ? events[0] : events
        return Array((try? JSONSerialization.data(withJSONObject: object)) ?? Data())
    }
}
