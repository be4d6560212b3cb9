import Foundation
import MeshModel
import Testing

/// Task definitions as terraform-aws-consul-ecs's `mesh-task` and `gateway-task` modules write them
/// (`Fixtures/consul-ecs-*-task-definition.json`, DescribeTaskDefinition responses with tags).
enum ConsulECSFixtures {
    /// The `CONSUL_ECS_CONFIG_JSON` of the fixture's `consul-ecs-mesh-init` container.
    static func configText(_ fixture: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: fixture, withExtension: "json", subdirectory: "Fixtures"))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let definition = try #require(document["taskDefinition"] as? [String: Any])
        let containers = try #require(definition["containerDefinitions"] as? [[String: Any]])
        let meshInit = try #require(containers.first { $0["name"] as? String == "consul-ecs-mesh-init" })
        let environment = try #require(meshInit["environment"] as? [[String: String]])
        return try #require(environment.first { $0["name"] == ConsulECSConfig.environmentVariable }?["value"])
    }

    static func meshTask() throws -> String { try configText("consul-ecs-mesh-task-definition") }
    static func gatewayTask() throws -> String { try configText("consul-ecs-gateway-task-definition") }

    /// `text` (a JSON object) with `edit` applied, re-serialized.
    static func edited(_ text: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        edit(&object)
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
}
