import Foundation
import Testing

/// Sample events for decoder and fold tests: the two composed samples of aws-contracts §1.3 (as
/// fixture files) and small variants built from them.
enum EventFixtures {
    static let taskArn = "arn:aws:ecs:us-east-1:111122223333:task/apps/7b3f0c2e9d4a4f1b8c6e5d2a1f0e9b8c"
    static let clusterArn = "arn:aws:ecs:us-east-1:111122223333:cluster/apps"
    static let taskDefinitionArn = "arn:aws:ecs:us-east-1:111122223333:task-definition/web:10"

    /// The bytes of `Fixtures/<name>.json`.
    static func bytes(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return Array(try Data(contentsOf: url))
    }

    static func running() throws -> [UInt8] { try bytes("ecs-task-running") }
    static func stopped() throws -> [UInt8] { try bytes("ecs-task-stopped") }

    /// The running sample with `edit` applied to the envelope and to `detail`, re-serialized.
    static func runningEdited(_ edit: (inout [String: Any], inout [String: Any]) -> Void) throws -> [UInt8] {
        var envelope = try #require(try JSONSerialization.jsonObject(with: Data(try running())) as? [String: Any])
        var detail = try #require(envelope["detail"] as? [String: Any])
        edit(&envelope, &detail)
        if envelope["detail"] is [String: Any] { envelope["detail"] = detail }
        return Array(try JSONSerialization.data(withJSONObject: envelope))
    }

    /// A minimal valid event (the shape moto delivers), as JSON text, with `detail` members spliced in.
    static func minimal(version: Int = 3, lastStatus: String = "RUNNING", extraDetail: String = "") -> String {
        """
        {"version":"0","id":"e-\(version)","detail-type":"ECS Task State Change","source":"aws.ecs",\
        "time":"2026-03-14T09:26:53Z","detail":{"clusterArn":"\(clusterArn)","taskArn":"\(taskArn)",\
        "lastStatus":"\(lastStatus)","version":\(version)\(extraDetail)}}
        """
    }
}
