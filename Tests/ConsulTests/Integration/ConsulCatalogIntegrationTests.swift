import AsyncHTTPClient
import Consul
import Logging
import MeshModel
import NIOCore
import Synchronization
import Testing

@Suite(.enabled(if: ConsulIntegration.enabled, "needs MESH_INTEGRATION=1 and deploy/local/stack.sh start"))
struct ConsulCatalogIntegrationTests {
    let logger = ConsulIntegration.logger

    /// The registrations of one mesh task, as consul-ecs writes them, for a unique node and service.
    struct MeshTask {
        let node = ConsulIntegration.clusterNode()
        let service = ConsulIntegration.unique("web")
        let taskID = ConsulIntegration.unique("task")

        var serviceID: String { "\(service)-\(taskID)" }
        var proxyID: String { "\(serviceID)-sidecar-proxy" }
        var appCheckID: String { "\(serviceID)-app" }
        var dataplaneCheckID: String { "\(serviceID)-consul-dataplane" }
        var proxyCheckID: String { "\(proxyID)-consul-dataplane" }

        func check(_ id: String, service: String, _ status: HealthStatus) -> HealthCheck {
            HealthCheck(checkID: id, name: "Consul ECS health check synced", status: status,
                        output: "ECS health status is \"\(status)\"", serviceID: service, type: "consul-ecs-health-check")
        }

        var serviceRegistration: CatalogRegistration {
            let meta = ["task-id": taskID, "task-arn": "arn:aws:ecs:us-east-1:123456789012:task/t/\(taskID)",
                        "source": "consul-ecs"]
            return CatalogRegistration(
                node: node, address: "127.0.0.1", nodeMeta: ["synthetic-node": "true"],
                service: CatalogService(id: serviceID, name: service, address: "10.0.0.7", port: 8080, meta: meta),
                checks: [check(appCheckID, service: serviceID, .critical),
                         check(dataplaneCheckID, service: serviceID, .critical)])
        }

        var proxyRegistration: CatalogRegistration {
            CatalogRegistration(
                node: node, address: "127.0.0.1", nodeMeta: ["synthetic-node": "true"],
                service: CatalogService(
                    id: proxyID, name: "\(service)-sidecar-proxy", kind: .connectProxy, address: "10.0.0.7",
                    port: 20000, meta: ["task-id": taskID],
                    proxy: ProxySettings(destinationServiceName: service, destinationServiceID: serviceID,
                                        localServicePort: 8080,
                                        upstreams: [.init(destinationName: "db", localBindPort: 5432)])),
                checks: [check(proxyCheckID, service: proxyID, .critical)])
        }
    }

    /// A task's service and proxy land on the synthetic node with critical checks.
    @Test func register_whenServiceAndProxy_nodeServicesAndHealthShowCritical() async throws {
        // Given
        let consul = try ConsulIntegration.managementClient()
        let task = MeshTask()

        try await ConsulIntegration.withCleanup {
            // When
            try await consul.register(task.serviceRegistration, logger: logger)
            try await consul.register(task.proxyRegistration, logger: logger)
            let nodeServices = try #require(try await consul.nodeServices(node: task.node, logger: logger).value)
            let health = try await consul.serviceHealth(task.service, logger: logger)
            let checks = try await consul.serviceChecks(task.service, logger: logger)

            // Then
            #expect(nodeServices.node.meta["synthetic-node"] == "true")
            let byID = Dictionary(uniqueKeysWithValues: nodeServices.services.map { ($0.id, $0) })
            #expect(byID[task.serviceID]?.meta["task-id"] == task.taskID)
            #expect(byID[task.proxyID]?.kind == .connectProxy)
            #expect(byID[task.proxyID]?.proxy?.destinationServiceID == task.serviceID)
            #expect(byID[task.proxyID]?.proxy?.upstreams.first?.localBindPort == 5432)
            #expect(health.value.count == 1)
            #expect(health.value.first?.aggregatedStatus == .critical)
            #expect(Set(checks.value.map(\.checkID)) == [task.appCheckID, task.dataplaneCheckID])
            #expect(checks.value.allSatisfy { $0.status == .critical && $0.type == "consul-ecs-health-check" })
        } cleanup: {
            try? await consul.deregister(.node(task.node), logger: logger)
        }
    }

    /// A checks-only write turns the service passing; reads without writes keep the index, a write moves it.
    @Test func register_whenChecksUpdatedToPassing_healthPassesAndIndexMovesOnlyOnWrite() async throws {
        // Given
        let consul = try ConsulIntegration.managementClient()
        let task = MeshTask()
        try await consul.register(task.serviceRegistration, logger: logger)

        try await ConsulIntegration.withCleanup {
            let first = try await consul.serviceHealth(task.service, logger: logger)
            let second = try await consul.serviceHealth(task.service, logger: logger)

            // When
            try await consul.register(
                CatalogRegistration(node: task.node, address: "127.0.0.1", checks: [
                    task.check(task.appCheckID, service: task.serviceID, .passing),
                    task.check(task.dataplaneCheckID, service: task.serviceID, .passing),
                ]),
                logger: logger)
            let after = try await consul.serviceHealth(task.service, logger: logger)
            let passingOnly = try await consul.serviceHealth(task.service, passingOnly: true, logger: logger)

            // Then
            let firstIndex = try #require(first.index)
            #expect(second.index == firstIndex)
            #expect(second.value == first.value)
            #expect(try #require(after.index) > firstIndex)
            #expect(first.value.first?.aggregatedStatus == .critical)
            #expect(after.value.first?.aggregatedStatus == .passing)
            #expect(passingOnly.value.map(\.service.id) == [task.serviceID])
        } cleanup: {
            try? await consul.deregister(.node(task.node), logger: logger)
        }
    }

    /// Deregistering a check, then the service and proxy, empties the node; gone things deregister again fine.
    @Test func deregister_whenCheckThenServices_removesThemIdempotently() async throws {
        // Given
        let consul = try ConsulIntegration.managementClient()
        let task = MeshTask()
        try await consul.register(task.serviceRegistration, logger: logger)
        try await consul.register(task.proxyRegistration, logger: logger)

        try await ConsulIntegration.withCleanup {
            // When
            try await consul.deregister(.check(task.appCheckID, node: task.node), logger: logger)
            let checksAfterOne = try await consul.serviceChecks(task.service, logger: logger)
            try await consul.deregister(.service(task.serviceID, node: task.node), logger: logger)
            try await consul.deregister(.service(task.proxyID, node: task.node), logger: logger)
            try await consul.deregister(.service(task.proxyID, node: task.node), logger: logger)
            let nodeServices = try await consul.nodeServices(node: task.node, logger: logger)
            let health = try await consul.serviceHealth(task.service, logger: logger)

            // Then
            #expect(checksAfterOne.value.map(\.checkID) == [task.dataplaneCheckID])
            #expect(nodeServices.value?.services == [])
            #expect(nodeServices.value?.node.node == task.node)
            #expect(health.value.isEmpty)
        } cleanup: {
            try? await consul.deregister(.node(task.node), logger: logger)
        }
    }

    /// A refusing write gate keeps every write off the wire (registration, transaction, deletion)
    /// as a retryable `fenced` error, while reads still go out; once it allows, writes go out again.
    @Test func writeGate_whenRefusing_sendsNoWriteButReads() async throws {
        // Given
        struct Refused: Error {}
        let allowed = Mutex(false)
        var consul = try ConsulIntegration.managementClient()
        consul.writeGate = { if !allowed.withLock({ $0 }) { throw Refused() } }
        let task = MeshTask()

        try await ConsulIntegration.withCleanup {
            // When
            let register = await #expect(throws: ConsulError.self) {
                try await consul.register(task.serviceRegistration, logger: logger)
            }
            let transaction = await #expect(throws: ConsulError.self) {
                try await consul.catalogTransaction([.deleteService(node: task.node, serviceID: task.serviceID)], logger: logger)
            }
            let nodeWhileRefused = try await consul.nodeServices(node: task.node, logger: logger)
            allowed.withLock { $0 = true }
            try await consul.register(task.serviceRegistration, logger: logger)
            let nodeWhenAllowed = try await consul.nodeServices(node: task.node, logger: logger)

            // Then
            for error in [register, transaction] {
                #expect(error?.code == .fenced)
                #expect(error?.isRetryable == true && error?.isTransient == true)
                #expect(error?.status == nil)
            }
            #expect(nodeWhileRefused.value == nil, "the refused registration reached Consul")
            #expect(nodeWhenAllowed.value?.services.map(\.id) == [task.serviceID])
        } cleanup: {
            try? await ConsulIntegration.managementClient().deregister(.node(task.node), logger: logger)
        }
    }

    /// A node nobody registered reads as nil, not as an error.
    @Test func nodeServices_whenNodeUnknown_isNil() async throws {
        // Given
        let consul = try ConsulIntegration.managementClient()

        // When
        let read = try await consul.nodeServices(node: ConsulIntegration.clusterNode(), logger: logger)

        // Then
        #expect(read.value == nil)
        #expect(read.index != nil)
    }

    /// An HTTPS client against the plain-HTTP agent fails the handshake and reports unavailable.
    @Test func tokenSelf_whenHTTPSAgainstPlainPort_throwsUnavailable() async throws {
        // Given
        let plain = try ConsulIntegration.managementClient().configuration
        var tls = plain
        tls.endpoint.scheme = .https
        let consul = try ConsulClient(httpClient: .shared, configuration: tls)

        // When
        let error = await #expect(throws: ConsulError.self) {
            _ = try await consul.tokenSelf(deadline: .now() + .seconds(2), logger: logger)
        }

        // Then
        #expect(error?.code == .unavailable)
    }
}
