public import Foundation

/// The shared sample events, read from MeshModelTests' fixture folder so there is one copy.
public enum Fixtures {
    public static var directory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("MeshModelTests/Fixtures")
    }

    public static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    public static var running: [UInt8] { get throws { try bytes("ecs-task-running.json") } }
    public static var stopped: [UInt8] { get throws { try bytes("ecs-task-stopped.json") } }

    public static let taskArn = "arn:aws:ecs:us-east-1:111122223333:task/apps/7b3f0c2e9d4a4f1b8c6e5d2a1f0e9b8c"

    /// The running sample with a different task id and version, so tests can make many distinct events.
    public static func event(taskID: String, version: Int, lastStatus: String = "RUNNING", cluster: String = "apps") throws -> [UInt8] {
        var object = try JSONSerialization.jsonObject(with: Data(try running)) as! [String: Any]
        var detail = object["detail"] as! [String: Any]
        let arn = "arn:aws:ecs:us-east-1:111122223333:task/\(cluster)/\(taskID)"
        detail["taskArn"] = arn
        detail["clusterArn"] = "arn:aws:ecs:us-east-1:111122223333:cluster/\(cluster)"
        detail["version"] = version
        detail["lastStatus"] = lastStatus
        object["detail"] = detail
        object["resources"] = [arn]
        return Array(try JSONSerialization.data(withJSONObject: object))
    }
}
