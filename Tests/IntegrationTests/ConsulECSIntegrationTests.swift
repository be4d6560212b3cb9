import Consul
import Foundation
import Journal
import OpaqueJSON
import MeshModel
import MeshTestSupport
import Testing
@testable import Controller

/// consul-ecs task definitions (`CONSUL_ECS_CONFIG_JSON`) and gateway tasks, through the workers,
/// against the real Consul 1.8.7 agent and moto.
@Suite(.enabled(if: integrationEnabled, "needs MESH_INTEGRATION=1 (deploy/local/test.sh)"))
struct ConsulECSIntegrationTests {
    /// A config as the `mesh-task` module writes it (fields it leaves empty included).
    static func meshTaskConfig(service: String, upstream: String) -> String {
        """
        {"bootstrapDir":"/consul","consulLogin":{"enabled":true,"method":"iam-ecs-service-token"},
         "consulServers":{"hosts":"consul.example.internal","http":{"https":true,"port":8501},"grpc":{"port":8503}},
         "healthSyncContainers":["app"],
         "proxy":{"healthCheckPort":22000,"publicListenerPort":21000,"config":{"protocol":"http"},
                  "upstreams":[{"destinationName":"\(upstream)","localBindPort":1234},
                               {"destinationName":"\(upstream)","localBindPort":1235,"datacenter":"dc2","meshGateway":{"mode":"local"}}]},
         "service":{"meta":{"team":"payments"},"name":"\(service)","namespace":"","partition":"","port":9090,"tags":["v1","blue"]},
         "transparentProxy":{"enabled":true}}
        """
    }

    /// A mesh-task definition registers with its config's name, port, tags, meta, proxy port,
    /// upstreams, proxy config and health-sync checks; one without the mesh tag joins by its config.
    @Test(.timeLimit(.minutes(2)))
    func meshTask_whenConfigInDefinition_registersItsFields() async throws {
        // Given a mesh-task definition (tags as the module writes them) and the same config without tags
        let sfx = uniqueSuffix()
        let (web, untagged) = ("web-\(sfx)", "plain-\(sfx)")
        let moto = try await MotoECSFixture.run(cluster: "cecs-\(sfx)", services: [
            .init(family: "web-td-\(sfx)", ports: [8080], count: 2,
                  tags: ["consul.hashicorp.com/mesh": "true", "consul.hashicorp.com/service-name": web],
                  consulECSConfig: Self.meshTaskConfig(service: web, upstream: "api")),
            .init(family: "plain-td-\(sfx)", ports: [8080], count: 1, tags: [:],
                  consulECSConfig: Self.meshTaskConfig(service: untagged, upstream: "api")),
        ])
        let controller = try await InProcessController(secretsPrefix: "cecs-\(sfx)")
        let probe = try MeshWorldProbe()
        // When the tasks run and their app container is healthy
        for task in moto.tasks {
            #expect(await controller.post([MeshEventBuilder.event(task, clusterArn: moto.clusterArn, version: 3,
                                                                  lastStatus: "RUNNING", health: "HEALTHY")]) == 202)
        }
        // Then both services are registered, passing, from their configs
        #expect(await eventually { try await probe.instances(web, passingOnly: true).count == 2 })
        #expect(await eventually { try await probe.instances(untagged, passingOnly: true).count == 1 })
        let instance = try #require(try await probe.instances(web).first)
        #expect(instance.service.port == 9090)
        #expect(instance.service.tags == ["v1", "blue"])
        #expect(instance.service.meta["team"] == "payments")
        #expect(instance.service.meta["source"] == "ecs-mesh-controller")
        #expect(instance.checks.contains { $0.checkID == "\(instance.service.id)-app" && $0.status == .passing })
        // (the proxy is registered after its service, in a call of its own: wait for it too)
        #expect(await eventually { try await probe.instances(MeshNames.proxyName(service: web)).count == 2 })
        let proxy = try #require(try await probe.instances(MeshNames.proxyName(service: web)).first)
        #expect(proxy.service.port == 21000)
        #expect(proxy.service.proxy?.localServicePort == 9090)
        #expect(proxy.service.proxy?.upstreams == [
            .init(destinationName: "api", localBindPort: 1234),
            .init(destinationName: "api", localBindPort: 1235, datacenter: "dc2", meshGateway: .local),
        ])
        #expect(proxy.service.proxy?.config == .object(["protocol": .string("http")]))
        // And the admin view's status names the source and the warnings
        let tagged = try #require(moto.tasks(of: "web-td-\(sfx)").first)
        let status = try #require(controller.workers.meshConfigs.status(taskArn: tagged.taskArn))
        #expect(status.source == "tags")
        #expect(status.nameSource == "consul-ecs-config")
        #expect(status.warnings.map(\.field) == ["consulLogin", "transparentProxy"])
        let plain = try #require(moto.tasks(of: "plain-td-\(sfx)").first)
        #expect(controller.workers.meshConfigs.status(taskArn: plain.taskArn)?.source == "consul-ecs-config")
        await controller.stop()
    }

    /// An invalid config leaves the task unregistered, with the field named, and the worker unharmed.
    @Test(.timeLimit(.minutes(2)))
    func meshTask_whenConfigInvalid_staysUnregisteredNamingField() async throws {
        // Given a task whose config has a bad upstream port, beside a good one
        let sfx = uniqueSuffix()
        let (bad, good) = ("bad-\(sfx)", "good-\(sfx)")
        let moto = try await MotoECSFixture.run(cluster: "cbad-\(sfx)", services: [
            .init(family: bad, ports: [8080], count: 1, tags: ["consul.hashicorp.com/mesh": "true"],
                  consulECSConfig: #"{"service":{"port":8080},"proxy":{"upstreams":[{"destinationName":"db","localBindPort":70000}]}}"#),
            .init(family: good, ports: [8080], count: 1, tags: ["consul.hashicorp.com/mesh": "true"],
                  consulECSConfig: #"{"service":{"port":8080}}"#),
        ])
        let controller = try await InProcessController(secretsPrefix: "cbad-\(sfx)")
        let probe = try MeshWorldProbe()
        // When both run
        for task in moto.tasks {
            #expect(await controller.post([MeshEventBuilder.event(task, clusterArn: moto.clusterArn, version: 3,
                                                                  lastStatus: "RUNNING")]) == 202)
        }
        // Then the good one is registered, the bad one is not and says why
        #expect(await eventually { try await probe.instances(good).count == 1 })
        let badTask = try #require(moto.tasks(of: bad).first)
        #expect(await eventually {
            controller.workers.meshConfigs.status(taskArn: badTask.taskArn)?.error?.field == "proxy.upstreams[0].localBindPort"
        })
        #expect(try await probe.instances(bad).isEmpty)
        // parked at once (a task definition never changes), its last error naming the field
        #expect(await eventually {
            let work = try await controller.workItem("task:\(badTask.taskArn)")
            return work?.state == .failed && work?.lastError?.contains("proxy.upstreams[0].localBindPort") == true
        })
        await controller.stop()
    }

    /// Mesh and terminating gateways register as their kind, with LAN/WAN addresses and no sidecar,
    /// and their tokens carry the kind's policy.
    @Test(.timeLimit(.minutes(2)))
    func gatewayTask_whenGatewayConfig_registersKindAndTokenPolicy() async throws {
        // Given gateway-task definitions
        let sfx = uniqueSuffix()
        let (meshGateway, terminating) = ("mgw-\(sfx)", "tgw-\(sfx)")
        let moto = try await MotoECSFixture.run(cluster: "cgw-\(sfx)", services: [
            .init(family: meshGateway, ports: [8443], count: 1, tags: ["consul.hashicorp.com/mesh": "true"],
                  consulECSConfig: """
                  {"bootstrapDir":"/consul","healthSyncContainers":[],"gateway":{"kind":"mesh-gateway","name":"\(meshGateway)",
                   "lanAddress":{"address":"","port":8443},"wanAddress":{"address":"203.0.113.10","port":443},
                   "meta":{"consul-wan-federation":"1"},"namespace":"","partition":"","tags":[]}}
                  """),
            .init(family: terminating, ports: [9443], count: 1, tags: [:],
                  consulECSConfig: #"{"gateway":{"kind":"terminating-gateway","name":"\#(terminating)","lanAddress":{"port":9443}}}"#),
        ])
        let controller = try await InProcessController(secretsPrefix: "cgw-\(sfx)")
        let probe = try MeshWorldProbe()
        // When they run
        for task in moto.tasks {
            #expect(await controller.post([MeshEventBuilder.event(task, clusterArn: moto.clusterArn, version: 3,
                                                                  lastStatus: "RUNNING")]) == 202)
        }
        // Then each is registered as its kind, passing, with tagged addresses and no sidecar
        #expect(await eventually { try await probe.instances(meshGateway, passingOnly: true).count == 1 })
        #expect(await eventually { try await probe.instances(terminating, passingOnly: true).count == 1 })
        let mgwTask = try #require(moto.tasks(of: meshGateway).first)
        let mgw = try #require(try await probe.instances(meshGateway).first)
        #expect(mgw.service.kind == ServiceKind(rawValue: "mesh-gateway"))
        #expect(mgw.service.address == mgwTask.ip)
        #expect(mgw.service.port == 8443)
        #expect(mgw.service.taggedAddresses["lan"] == CatalogAddress(address: mgwTask.ip, port: 8443))
        #expect(mgw.service.taggedAddresses["wan"] == CatalogAddress(address: "203.0.113.10", port: 443))
        #expect(mgw.service.meta["consul-wan-federation"] == "1")
        let tgw = try #require(try await probe.instances(terminating).first)
        #expect(tgw.service.kind == ServiceKind(rawValue: "terminating-gateway"))
        #expect(tgw.service.port == 9443)
        #expect(tgw.service.taggedAddresses["wan"]?.port == 9443)
        let onNode = try await probe.nodeServices(clusterArn: moto.clusterArn)
        #expect(!onNode.contains { $0.kind == .connectProxy })
        // And their tokens link the gateway policies, which exist
        for (name, policy) in [(meshGateway, "consul-ecs-mesh-gateway-policy"), (terminating, "consul-ecs-terminating-gateway-policy")] {
            #expect(await eventually {
                guard let ids = try await probe.secret("cgw-\(sfx)-\(name)") else { return false }
                let token = try await probe.tokenSelf(secret: ids.token)
                return token.policies.contains { $0.name == policy } && token.serviceIdentities.map(\.serviceName) == [name]
            }, "token of \(name) should link \(policy)")
            #expect(try await probe.consul.policy(named: policy, logger: probe.logger) != nil)
        }
        // When a gateway task stops, only the gateway leaves the node
        #expect(await controller.post([MeshEventBuilder.event(mgwTask, clusterArn: moto.clusterArn, version: 5,
                                                              lastStatus: "STOPPED", desiredStatus: "STOPPED")]) == 202)
        #expect(await eventually { try await probe.instances(meshGateway).isEmpty })
        #expect(try await probe.instances(terminating).count == 1)
        await controller.stop()
    }
}
