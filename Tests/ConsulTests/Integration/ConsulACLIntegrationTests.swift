import Consul
import InMemoryLogging
import Logging
import MeshModel
import Testing

@Suite(.enabled(if: ConsulIntegration.enabled, "needs MESH_INTEGRATION=1 and deploy/local/stack.sh start"))
struct ConsulACLIntegrationTests {
    let logger = ConsulIntegration.logger

    /// A policy is created, found by name, and a missing name reads as nil.
    @Test func policyNamed_whenCreated_readsBackAndMissingIsNil() async throws {
        // Given
        let consul = try ConsulIntegration.managementClient()
        let name = ConsulIntegration.unique("consul-tests-policy")
        let rules = #"service_prefix "" { policy = "read" }"#

        // When
        let created = try await consul.createPolicy(
            ACLPolicy(name: name, description: "ConsulTests policy", rules: rules), logger: logger)
        try await ConsulIntegration.withCleanup {
            let read = try await consul.policy(named: name, logger: logger)
            let missing = try await consul.policy(named: ConsulIntegration.unique("consul-tests-none"), logger: logger)

            // Then
            #expect(created.id != nil)
            #expect(read?.id == created.id)
            #expect(read?.rules == rules)
            #expect(missing == nil)
        } cleanup: {
            if let id = created.id { try? await consul.deletePolicy(id: id, logger: logger) }
        }
    }

    /// A token with our own IDs, a service identity and a policy link is stored as given and authenticates.
    @Test func createToken_whenExplicitIDs_readsBackAndAuthenticates() async throws {
        // Given
        let consul = try ConsulIntegration.managementClient()
        let service = ConsulIntegration.unique("web")
        let policyName = ConsulIntegration.unique("consul-tests-policy")
        let accessor = ConsulIntegration.uuid()
        let secret = ConsulToken(ConsulIntegration.uuid())
        let policy = try await consul.createPolicy(
            ACLPolicy(name: policyName, rules: #"node_prefix "" { policy = "read" }"#), logger: logger)

        try await ConsulIntegration.withCleanup {
            // When
            let created = try await consul.createToken(
                ACLToken(
                    accessorID: accessor, secretID: secret,
                    description: "Token for \(service) service\nconsul.hashicorp.com/cluster: consul-tests",
                    policies: [.named(policyName)], serviceIdentities: [ACLServiceIdentity(serviceName: service)]),
                logger: logger)
            let read = try await consul.token(accessorID: accessor, logger: logger)
            let own = try await consul.with(token: secret).tokenSelf(logger: logger)
            let listed = try await consul.tokens(logger: logger)

            // Then
            #expect(created.accessorID == accessor)
            #expect(created.secretID == secret)
            #expect(read?.secretID == secret)
            #expect(read?.serviceIdentities == [ACLServiceIdentity(serviceName: service)])
            #expect(read?.policies.map(\.name) == [policyName])
            #expect(read?.description.contains("consul.hashicorp.com/cluster: consul-tests") == true)
            #expect(own.accessorID == accessor)
            let entry = listed.value.first { $0.accessorID == accessor }
            #expect(entry != nil)
            #expect(entry?.secretID == nil)
            #expect(listed.index != nil)
        } cleanup: {
            try? await consul.deleteToken(accessorID: accessor, logger: logger)
            if let id = policy.id { try? await consul.deletePolicy(id: id, logger: logger) }
        }
    }

    /// After delete the token reads as nil, no longer authenticates, and a second delete succeeds.
    @Test func deleteToken_whenDeleted_isGoneAndRepeatable() async throws {
        // Given
        let consul = try ConsulIntegration.managementClient()
        let accessor = ConsulIntegration.uuid()
        let secret = ConsulToken(ConsulIntegration.uuid())
        _ = try await consul.createToken(
            ACLToken(accessorID: accessor, secretID: secret, description: "ConsulTests delete",
                     serviceIdentities: [ACLServiceIdentity(serviceName: ConsulIntegration.unique("web"))]),
            logger: logger)

        // When
        try await consul.deleteToken(accessorID: accessor, logger: logger)
        try await consul.deleteToken(accessorID: accessor, logger: logger)

        // Then
        #expect(try await consul.token(accessorID: accessor, logger: logger) == nil)
        let error = await #expect(throws: ConsulError.self) {
            _ = try await consul.with(token: secret).tokenSelf(logger: logger)
        }
        #expect(error?.code == .aclNotFound)
        #expect(error?.status == 403)
    }

    /// A service token may register its service and sidecar on an existing node, but not another service.
    @Test func register_whenServiceToken_allowsOwnServiceAndDeniesOther() async throws {
        // Given
        let consul = try ConsulIntegration.managementClient()
        let node = ConsulIntegration.clusterNode()
        let service = ConsulIntegration.unique("web")
        let other = ConsulIntegration.unique("billing")
        let accessor = ConsulIntegration.uuid()
        let secret = ConsulToken(ConsulIntegration.uuid())
        _ = try await consul.createToken(
            ACLToken(accessorID: accessor, secretID: secret, description: "ConsulTests scope",
                     serviceIdentities: [ACLServiceIdentity(serviceName: service)]),
            logger: logger)
        // The controller (management token) creates the synthetic node; a service token cannot write nodes.
        try await consul.register(
            CatalogRegistration(node: node, address: "127.0.0.1", nodeMeta: ["synthetic-node": "true"],
                                skipNodeUpdate: false),
            logger: logger)
        let asService = consul.with(token: secret)

        try await ConsulIntegration.withCleanup {
            // When
            try await asService.register(
                CatalogRegistration(node: node, address: "127.0.0.1", service: CatalogService(
                    id: "\(service)-t1", name: service, address: "10.0.0.1", port: 8080)),
                logger: logger)
            try await asService.register(
                CatalogRegistration(node: node, address: "127.0.0.1", service: CatalogService(
                    id: "\(service)-t1-sidecar-proxy", name: "\(service)-sidecar-proxy", kind: .connectProxy,
                    address: "10.0.0.1", port: 20000,
                    proxy: ProxySettings(destinationServiceName: service, destinationServiceID: "\(service)-t1",
                                        localServicePort: 8080))),
                logger: logger)
            let denied = await #expect(throws: ConsulError.self) {
                try await asService.register(
                    CatalogRegistration(node: node, address: "127.0.0.1", service: CatalogService(
                        id: "\(other)-t1", name: other, address: "10.0.0.1", port: 8080)),
                    logger: logger)
            }

            // Then
            #expect(denied?.code == .permissionDenied)
            #expect(denied?.status == 403)
            #expect(denied?.isRetryable == false)
            let services = try await consul.nodeServices(node: node, logger: logger).value?.services ?? []
            #expect(Set(services.map(\.id)) == ["\(service)-t1", "\(service)-t1-sidecar-proxy"])
        } cleanup: {
            try? await consul.deregister(.node(node), logger: logger)
            try? await consul.deleteToken(accessorID: accessor, logger: logger)
        }
    }

    /// Even at trace level, neither our logs nor AsyncHTTPClient's carry the token secret.
    @Test func tokenSelf_whenTraceLogging_neverLogsSecret() async throws {
        // Given
        let consul = try ConsulIntegration.managementClient()
        let secret = try #require(consul.configuration.token?.secret)
        let handler = InMemoryLogHandler()
        var logger = Logger(label: "ConsulTests.secrets") { _ in handler }
        logger.logLevel = .trace

        // When
        _ = try await consul.tokenSelf(logger: logger)
        _ = await #expect(throws: ConsulError.self) {
            _ = try await consul.with(token: ConsulToken("bogus-\(secret)")).tokenSelf(logger: logger)
        }

        // Then
        let entries = handler.entries
        #expect(!entries.isEmpty)
        for entry in entries {
            let text = "\(entry.message) \(entry.metadata)"
            #expect(!text.contains(secret), "secret in log entry: \(entry.message)")
        }
    }
}
