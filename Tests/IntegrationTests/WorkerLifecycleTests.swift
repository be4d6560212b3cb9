import Consul
import Crypto
import Foundation
import Journal
import MeshModel
import MeshTestSupport
import Testing
@testable import Controller

/// The workers against the real Consul 1.8.7 agent and moto: tokens, secrets and the catalog at each
/// step of several services' task lifecycles.
@Suite(.enabled(if: integrationEnabled, "needs MESH_INTEGRATION=1 (deploy/local/test.sh)"))
struct WorkerLifecycleTests {
    /// Three services with three tasks each go through PROVISIONING, PENDING, RUNNING, draining and
    /// STOPPED; tokens work from PROVISIONING on and the catalog is right after every step.
    @Test(.timeLimit(.minutes(3)))
    func lifecycle_whenSeveralServicesWithSeveralTasks_convergesAtEachStep() async throws {
        // Given three mesh services in moto (default name, tagged name and port, health-synced container)
        let sfx = uniqueSuffix()
        let (web, api, db) = ("web-\(sfx)", "api-\(sfx)", "db-\(sfx)")
        let mesh = "consul.hashicorp.com/"
        let moto = try await MotoECSFixture.run(cluster: "life-\(sfx)", services: [
            .init(family: "Web-\(sfx)", ports: [8080], count: 3, tags: ["\(mesh)mesh": "true"]),
            .init(family: "api-td-\(sfx)", ports: [7000], count: 3, tags: [
                "\(mesh)mesh": "true", "\(mesh)service-name": api, "\(mesh)service-port": "9090",
                "\(mesh)upstreams": "\(web):1234",
            ]),
            .init(family: db, ports: [5432], count: 3, tags: ["\(mesh)mesh": "true", "\(mesh)health-sync-containers": "app"]),
        ])
        let services = [(web, "Web-\(sfx)"), (api, "api-td-\(sfx)"), (db, db)]
        let controller = try await InProcessController(secretsPrefix: "life-\(sfx)")
        let probe = try MeshWorldProbe()
        let cluster = moto.clusterArn
        func post(_ step: Int) async throws {
            for task in moto.tasks {
                var events = MeshEventBuilder.lifecycle(task, clusterArn: cluster)
                if step == 2, task.family == db {  // the health-synced container reports HEALTHY when running
                    events[2] = MeshEventBuilder.event(task, clusterArn: cluster, version: 3, lastStatus: "RUNNING", health: "HEALTHY")
                }
                #expect(await controller.post([events[step]]) == 202)
            }
        }

        // When the tasks are PROVISIONING (no address yet)
        try await post(0)
        // Then every service has a working token whose IDs the secret holds, and nothing is registered
        for (service, _) in services {
            let secretName = "life-\(sfx)-\(service)"
            let ready = await eventually {
                guard try await probe.secret(secretName) != nil else { return false }
                return try await controller.journal.service(name: service)?.accessorID != nil
            }
            #expect(ready, "secret \(secretName) and the journal's service record should exist")
            let ids = try #require(try await probe.secret(secretName))
            let me = try await probe.tokenSelf(secret: ids.token)
            #expect(me.accessorID == ids.accessorID)
            #expect(me.serviceIdentities.map(\.serviceName) == [service])
            #expect(me.description == "Token for \(service) service\nconsul.hashicorp.com/cluster: \(cluster)")
            let record = try #require(try await controller.journal.service(name: service))
            #expect(record.accessorID == ids.accessorID)
            #expect(record.secretArn?.contains(secretName) == true)
            #expect(record.tokenSHA256 == SHA256.hash(data: Array(ids.token.utf8)).map { String(format: "%02x", $0) }.joined())
            #expect(try await probe.instances(service).isEmpty)
        }
        #expect(try await probe.serviceTokens(clusterArn: cluster).count == 3)

        // When PENDING with an address: registered, every check critical
        try await post(1)
        for (service, _) in services {
            let registered = await eventually {
                let all = try await probe.instances(service)
                return all.count == 3 && all.allSatisfy { $0.aggregatedStatus == .critical }
            }
            #expect(registered, "\(service): 3 critical instances")
            // The proxy is written after its service (a registration after the transaction): wait for it too.
            #expect(await eventually { try await probe.instances(MeshNames.proxyName(service: service)).count == 3 })
        }
        let apiInstance = try #require(try await probe.instances(api).first)
        #expect(apiInstance.service.port == 9090)
        #expect(apiInstance.service.meta["source"] == "ecs-mesh-controller")
        #expect(apiInstance.node.meta["synthetic-node"] == "true")
        let apiProxy = try #require(try await probe.instances(MeshNames.proxyName(service: api)).first)
        #expect(apiProxy.service.port == 20000)
        #expect(apiProxy.service.proxy?.upstreams.map(\.destinationName) == [web])
        #expect(try await probe.instances(web).first?.service.port == 8080)

        // When RUNNING: every instance (and its proxy) passes
        try await post(2)
        for (service, _) in services {
            let passing = await eventually { try await probe.instances(service, passingOnly: true).count == 3 }
            #expect(passing, "\(service): 3 passing instances")
            let proxies = await eventually {
                try await probe.instances(MeshNames.proxyName(service: service), passingOnly: true).count == 3
            }
            #expect(proxies, "\(service): 3 passing proxies")
        }

        // When ECS starts stopping them (desiredStatus STOPPED): still registered, all critical
        try await post(3)
        for (service, _) in services {
            let draining = await eventually {
                let all = try await probe.instances(service)
                return all.count == 3 && all.allSatisfy { $0.aggregatedStatus == .critical }
            }
            #expect(draining, "\(service): 3 critical (draining) instances")
        }

        // When STOPPED: service and proxy are gone; tokens stay (within the grace period)
        try await post(4)
        for (service, _) in services {
            let gone = await eventually {
                let instances = try await probe.instances(service)
                let proxies = try await probe.instances(MeshNames.proxyName(service: service))
                return instances.isEmpty && proxies.isEmpty
            }
            #expect(gone, "\(service): deregistered")
        }
        #expect(try await probe.serviceTokens(clusterArn: cluster).count == 3)
        let settled = await eventually { try await controller.unfinishedWork().isEmpty }
        let left = try await controller.unfinishedWork().map(\.key)
        #expect(settled, "work left: \(left)")
        await controller.stop()
    }
}
