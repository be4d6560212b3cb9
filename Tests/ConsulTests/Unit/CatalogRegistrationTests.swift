@testable import Consul
import Foundation
import MeshModel
import Testing

struct CatalogRegistrationTests {
    static let node = "arn:aws:ecs:us-east-1:123456789012:cluster/prod"
    static let taskARN = "arn:aws:ecs:us-east-1:123456789012:task/prod/0a1b2c3d"
    static let meta = ["task-id": "0a1b2c3d", "task-arn": taskARN, "source": "consul-ecs"]

    /// The service registration consul-ecs's mesh-init writes, as Consul 1.8.7 accepts it.
    @Test func encode_whenServiceRegistration_matchesGolden() throws {
        // Given
        let registration = CatalogRegistration(
            node: Self.node, address: "127.0.0.1", nodeMeta: ["synthetic-node": "true"], skipNodeUpdate: true,
            service: CatalogService(id: "web-0a1b2c3d", name: "web", address: "10.0.1.17", port: 8080, meta: Self.meta),
            checks: [
                HealthCheck(
                    checkID: "web-0a1b2c3d-consul-dataplane", name: "Consul dataplane readiness", status: .critical,
                    notes: "consul-ecs created and updates this check to indicate consul-dataplane container's readiness",
                    output: "Service web is not ready", serviceID: "web-0a1b2c3d", type: "consul-ecs-health-check"),
            ])

        // When
        let json = try encodeCanonical(registration)

        // Then
        #expect(json == (try canonical("""
            {"Node": "arn:aws:ecs:us-east-1:123456789012:cluster/prod", "Address": "127.0.0.1",
             "NodeMeta": {"synthetic-node": "true"}, "SkipNodeUpdate": true,
             "Service": {"ID": "web-0a1b2c3d", "Service": "web", "Address": "10.0.1.17", "Port": 8080,
                         "Meta": {"task-id": "0a1b2c3d", "source": "consul-ecs",
                                  "task-arn": "arn:aws:ecs:us-east-1:123456789012:task/prod/0a1b2c3d"},
                         "Tags": []},
             "Checks": [{"CheckID": "web-0a1b2c3d-consul-dataplane", "Name": "Consul dataplane readiness",
                         "Status": "critical", "Output": "Service web is not ready",
                         "Notes": "consul-ecs created and updates this check to indicate consul-dataplane container's readiness",
                         "ServiceID": "web-0a1b2c3d", "Type": "consul-ecs-health-check"}]}
            """)))
    }

    /// The sidecar proxy registration carries Kind and the Proxy block with upstreams.
    @Test func encode_whenProxyRegistration_matchesGolden() throws {
        // Given
        let proxy = CatalogService(
            id: "web-0a1b2c3d-sidecar-proxy", name: "web-sidecar-proxy", kind: .connectProxy,
            address: "10.0.1.17", port: 20000, meta: Self.meta,
            proxy: ProxySettings(
                destinationServiceName: "web", destinationServiceID: "web-0a1b2c3d",
                localServiceAddress: "127.0.0.1", localServicePort: 8080,
                upstreams: [.init(destinationName: "db", localBindPort: 5432)]))
        let registration = CatalogRegistration(
            node: Self.node, address: "127.0.0.1", nodeMeta: ["synthetic-node": "true"], service: proxy)

        // When
        let json = try encodeCanonical(registration)

        // Then
        #expect(json == (try canonical("""
            {"Node": "arn:aws:ecs:us-east-1:123456789012:cluster/prod", "Address": "127.0.0.1",
             "NodeMeta": {"synthetic-node": "true"}, "SkipNodeUpdate": true,
             "Service": {"ID": "web-0a1b2c3d-sidecar-proxy", "Service": "web-sidecar-proxy", "Kind": "connect-proxy",
                         "Address": "10.0.1.17", "Port": 20000, "Tags": [],
                         "Meta": {"task-id": "0a1b2c3d", "source": "consul-ecs",
                                  "task-arn": "arn:aws:ecs:us-east-1:123456789012:task/prod/0a1b2c3d"},
                         "Proxy": {"DestinationServiceName": "web", "DestinationServiceID": "web-0a1b2c3d",
                                   "LocalServiceAddress": "127.0.0.1", "LocalServicePort": 8080,
                                   "Upstreams": [{"DestinationName": "db", "LocalBindPort": 5432}]}}}
            """)))
    }

    /// A checks-only update (health sync) and the deregistrations carry nothing else.
    @Test func encode_whenChecksOnlyAndDeregistrations_areMinimal() throws {
        // Given
        let update = CatalogRegistration(
            node: Self.node, address: "127.0.0.1",
            checks: [HealthCheck(checkID: "c1", name: "n", status: .passing, serviceID: "web-1")])

        // When / Then
        #expect(try encodeCanonical(update) == canonical("""
            {"Node": "arn:aws:ecs:us-east-1:123456789012:cluster/prod", "Address": "127.0.0.1", "SkipNodeUpdate": true,
             "Checks": [{"CheckID": "c1", "Name": "n", "Status": "passing", "ServiceID": "web-1"}]}
            """))
        #expect(try encodeCanonical(CatalogDeregistration.service("web-1", node: "n1"))
            == canonical(#"{"Node": "n1", "ServiceID": "web-1"}"#))
        #expect(try encodeCanonical(CatalogDeregistration.check("c1", node: "n1"))
            == canonical(#"{"Node": "n1", "CheckID": "c1"}"#))
    }

    /// A token create request carries the explicit IDs, identity and policy links, never read-only fields.
    @Test func encode_whenTokenCreate_matchesGolden() throws {
        // Given
        let token = ACLToken(
            accessorID: "5f0e2c1a-3b4d-4e6f-8a9b-0c1d2e3f4a5b", secretID: ConsulToken("7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"),
            description: "Token for web service\nconsul.hashicorp.com/cluster: prod",
            policies: [.named("mesh-read")], serviceIdentities: [ACLServiceIdentity(serviceName: "web")])

        // When / Then
        #expect(try encodeCanonical(token) == canonical("""
            {"AccessorID": "5f0e2c1a-3b4d-4e6f-8a9b-0c1d2e3f4a5b", "SecretID": "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
             "Description": "Token for web service\\nconsul.hashicorp.com/cluster: prod",
             "Policies": [{"Name": "mesh-read"}], "ServiceIdentities": [{"ServiceName": "web"}], "Local": false}
            """))
    }

    // MARK: helpers

    /// Our encoder's output, re-serialised with sorted keys so both sides format alike.
    private func encodeCanonical(_ value: some Encodable) throws -> String {
        try canonical(String(decoding: ConsulJSON.encoder().encode(value), as: UTF8.self))
    }

    private func canonical(_ json: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
