@testable import Consul
import Foundation
import MeshModel
import Testing

struct ConsulDecodingTests {
    /// Consul 1.8.7's node-services answer (copied from the agent) decodes with proxy details.
    @Test func decodeNodeServices_whenConsul187Answer_readsServicesAndProxy() throws {
        // Given
        let json = """
            {"Node": {"ID": "", "Node": "arn:aws:ecs:us-east-1:123456789012:cluster/probe", "Address": "127.0.0.1",
                      "Datacenter": "dc1", "TaggedAddresses": null, "Meta": {"synthetic-node": "true"},
                      "CreateIndex": 16, "ModifyIndex": 16},
             "Services": [{"Kind": "connect-proxy", "ID": "web-abc-sidecar-proxy", "Service": "web-sidecar-proxy",
                           "Tags": [], "Address": "10.0.0.5", "Meta": {"task-id": "abc"}, "Port": 20000,
                           "Weights": {"Passing": 1, "Warning": 1}, "EnableTagOverride": false,
                           "Proxy": {"DestinationServiceName": "web", "DestinationServiceID": "web-abc",
                                     "LocalServiceAddress": "127.0.0.1", "LocalServicePort": 8080,
                                     "Upstreams": [{"DestinationType": "", "DestinationName": "db", "Datacenter": "",
                                                    "LocalBindPort": 1234, "Config": null, "MeshGateway": {}}],
                                     "MeshGateway": {}, "Expose": {}},
                           "Connect": {}, "CreateIndex": 16, "ModifyIndex": 16}]}
            """

        // When
        let answer = try JSONDecoder().decode(NodeServicesAnswer.self, from: Data(json.utf8))

        // Then
        let nodeServices = try #require(answer.nodeServices)
        #expect(nodeServices.node.meta == ["synthetic-node": "true"])
        let proxy = try #require(nodeServices.services.first)
        #expect(proxy.kind == .connectProxy)
        #expect(proxy.proxy?.destinationServiceID == "web-abc")
        #expect(proxy.proxy?.upstreams == [.init(destinationName: "db", localBindPort: 1234)])
        #expect(proxy.modifyIndex == 16)
    }

    /// An unknown node is `{"Node": null, "Services": null}` in 1.8.7, which means "no node".
    @Test func decodeNodeServices_whenNodeNull_givesNil() throws {
        // Given
        let json = #"{"Node": null, "Services": null}"#

        // When
        let answer = try JSONDecoder().decode(NodeServicesAnswer.self, from: Data(json.utf8))

        // Then
        #expect(answer.nodeServices == nil)
    }

    /// `null` lists and maps, missing and unknown fields do not break decoding.
    @Test func decodeService_whenNullsAndUnknownFields_usesDefaults() throws {
        // Given
        let json = #"{"ID": "web-1", "Service": "web", "Tags": null, "Meta": null, "Port": 80, "FutureField": {"x": 1}}"#

        // When
        let service = try JSONDecoder().decode(CatalogService.self, from: Data(json.utf8))

        // Then
        #expect(service.tags.isEmpty)
        #expect(service.meta.isEmpty)
        #expect(service.kind == .typical)
        #expect(service.proxy == nil)
        #expect(service.address.isEmpty)
    }

    /// A health answer aggregates to its worst check status.
    @Test func decodeServiceHealth_whenOneCheckCritical_aggregatesCritical() throws {
        // Given
        let json = """
            [{"Node": {"Node": "n1", "Address": "127.0.0.1"},
              "Service": {"ID": "web-1", "Service": "web", "Port": 80},
              "Checks": [{"CheckID": "a", "Name": "a", "Status": "passing", "ServiceID": "web-1"},
                         {"CheckID": "b", "Name": "b", "Status": "critical", "ServiceID": "web-1",
                          "Type": "consul-ecs-health-check", "Definition": {}}]}]
            """

        // When
        let entries = try JSONDecoder().decode([ServiceHealth].self, from: Data(json.utf8))

        // Then
        #expect(entries.count == 1)
        #expect(entries[0].aggregatedStatus == .critical)
        #expect(entries[0].checks[1].type == "consul-ecs-health-check")
    }

    /// A token list entry (no SecretID in 1.8.7) decodes with the secret absent.
    @Test func decodeTokenList_whenNoSecret_hasNilSecret() throws {
        // Given
        let json = """
            [{"AccessorID": "11111111-2222-4333-8444-555555555555", "Description": "probe",
              "Policies": [{"ID": "dcca83b1-426a-7d7a-cabd-6b8563f60c7a", "Name": "probe-pol"}],
              "ServiceIdentities": [{"ServiceName": "web"}], "Local": false,
              "CreateTime": "2026-11-22T11:27:42.809880338Z", "Hash": "XE0p", "CreateIndex": 19, "ModifyIndex": 19}]
            """

        // When
        let tokens = try JSONDecoder().decode([ACLToken].self, from: Data(json.utf8))

        // Then
        #expect(tokens.first?.secretID == nil)
        #expect(tokens.first?.policies == [ACLPolicyLink(id: "dcca83b1-426a-7d7a-cabd-6b8563f60c7a", name: "probe-pol")])
        #expect(tokens.first?.serviceIdentities == [ACLServiceIdentity(serviceName: "web")])
    }

    /// Path segments are escaped, so a cluster ARN node name stays one segment.
    @Test func consulPath_whenARNSegment_escapesSlash() {
        // Given / When
        let path = ConsulPath.make("/v1/catalog/node-services", "arn:aws:ecs:us-east-1:1:cluster/prod ?#")

        // Then
        #expect(path == "/v1/catalog/node-services/arn:aws:ecs:us-east-1:1:cluster%2Fprod%20%3F%23")
        #expect(ConsulPath.queryString([("passing", "1"), ("filter", "a == b")]) == "?passing=1&filter=a%20%3D%3D%20b")
    }
}
