import Foundation
import MeshModel
import Testing

/// ``ServiceTokenPlan``: consul-ecs v0.2–v0.3 secret and token names (facts §1.3).
struct ServiceTokenPlanTests {
    static let cluster = "arn:aws:ecs:us-east-1:123456789012:cluster/apps"

    /// Secret `<prefix>-<service>`, consul-ecs description, service identity = service.
    @Test func init_whenService_namesSecretDescriptionAndIdentity() {
        // Given / When
        let plan = ServiceTokenPlan(serviceName: "web", clusterArn: Self.cluster, secretNamePrefix: "consul-ecs")
        // Then
        #expect(plan.secretName == "consul-ecs-web")
        #expect(plan.tokenDescription == "Token for web service\nconsul.hashicorp.com/cluster: \(Self.cluster)")
        #expect(plan.serviceIdentityName == "web")
    }

    /// The service is read back from a description of the same cluster only.
    @Test func serviceName_whenDescriptionOfCluster_returnsService() {
        // Given
        let description = ServiceTokenPlan(serviceName: "web", clusterArn: Self.cluster, secretNamePrefix: "p")
            .tokenDescription
        // When / Then
        #expect(ServiceTokenPlan.serviceName(fromTokenDescription: description, clusterArn: Self.cluster) == "web")
        #expect(ServiceTokenPlan.serviceName(fromTokenDescription: description, clusterArn: "other") == nil)
        #expect(ServiceTokenPlan.serviceName(fromTokenDescription: "ECS Consul client Token", clusterArn: Self.cluster) == nil)
    }

    /// The client secret is `<prefix>-consul-client`.
    @Test func clientSecretName_whenPrefix_appendsConsulClient() {
        #expect(MeshNames.clientSecretName(prefix: "consul-ecs") == "consul-ecs-consul-client")
    }
}

/// ``TokenSecret``: the secret JSON and its redaction.
struct TokenSecretTests {
    /// Encodes with exactly the snake_case keys consul-ecs reads.
    @Test func encode_whenEncoded_usesSnakeCaseKeys() throws {
        // Given
        let secret = TokenSecret(accessorID: "a-1", token: "s-1")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // When
        let json = String(decoding: try encoder.encode(secret), as: UTF8.self)
        // Then
        #expect(json == #"{"accessor_id":"a-1","token":"s-1"}"#)
    }

    /// Decodes a secret written by consul-ecs.
    @Test func decode_whenConsulECSJSON_readsBothIDs() throws {
        // Given
        let json = Data(#"{"token": "s-2", "accessor_id": "a-2"}"#.utf8)
        // When
        let secret = try JSONDecoder().decode(TokenSecret.self, from: json)
        // Then
        #expect(secret == TokenSecret(accessorID: "a-2", token: "s-2"))
    }

    /// The `{}` Terraform creates does not decode, so the worker knows to generate IDs.
    @Test func decode_whenEmptyObject_throws() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(TokenSecret.self, from: Data("{}".utf8)) }
    }

    /// Printing the value never shows the token.
    @Test func description_whenPrinted_redactsToken() {
        // Given
        let secret = TokenSecret(accessorID: "acc", token: "very-secret")
        // When
        let printed = [String(describing: secret), String(reflecting: secret), "\(secret)", dumpText(secret)]
        // Then
        #expect(printed.allSatisfy { !$0.contains("very-secret") && $0.contains("acc") })
    }

    /// Generated IDs are distinct lower-case v4 UUIDs.
    @Test func generate_whenCalled_givesDistinctV4UUIDs() {
        // Given / When
        let secret = TokenSecret.generate()
        // Then
        #expect(secret.accessorID != secret.token)
        for id in [secret.accessorID, secret.token] {
            #expect(UUID(uuidString: id) != nil)
            #expect(id == id.lowercased())
            #expect(Array(id)[14] == "4")
            #expect("89ab".contains(Array(id)[19]))
        }
    }

    private func dumpText(_ value: some Any) -> String {
        var text = ""
        dump(value, to: &text)
        return text
    }
}
