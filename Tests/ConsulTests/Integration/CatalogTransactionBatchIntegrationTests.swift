import Batching
import Consul
import Logging
import MeshModel
import Testing

/// Batched catalog transactions against the real Consul 1.8.7 agent: one transaction for many
/// callers' units, and a unit Consul refuses fails alone.
@Suite(.enabled(if: ConsulIntegration.enabled, "needs MESH_INTEGRATION=1 and deploy/local/stack.sh start"))
struct CatalogTransactionBatchIntegrationTests {
    let logger = ConsulIntegration.logger

    static func service(_ id: String) -> CatalogService {
        CatalogService(id: id, name: id, address: "10.0.0.9", port: 8080, meta: ["task-id": id])
    }

    /// Three units share one transaction; the unit on a node that does not exist is refused (409,
    /// permanent) and the two others are written.
    @Test func apply_whenOneUnitIsRefused_itFailsAloneAndItsNeighboursAreWritten() async throws {
        // Given: a real node, and a node name nobody registered
        let consul = try ConsulIntegration.managementClient()
        let node = ConsulIntegration.clusterNode()
        let missingNode = ConsulIntegration.clusterNode()
        let (first, bad, third) = (ConsulIntegration.unique("batch-a"), ConsulIntegration.unique("batch-b"),
                                   ConsulIntegration.unique("batch-c"))
        try await consul.register(CatalogRegistration(node: node, address: "127.0.0.1",
                                                      nodeMeta: ["synthetic-node": "true"]), logger: logger)
        // A window longer than the test: the batch goes out when its 5 operations are all there.
        let batcher = CatalogTransactionBatcher(
            consul: consul, configuration: .init(maxBatchWeight: 5, window: .seconds(3600), maxInFlightBatches: 1),
            logger: logger)

        try await ConsulIntegration.withCleanup {
            // When
            async let a = outcome { try await batcher.apply([
                .setService(node: node, Self.service(first)),
                .setCheck(HealthCheck(node: node, checkID: "\(first)-app", name: "app", status: .critical,
                                      serviceID: first)),
            ]) }
            async let b = outcome { try await batcher.apply([.setService(node: missingNode, Self.service(bad))]) }
            async let c = outcome { try await batcher.apply([
                .setService(node: node, Self.service(third)),
                .setCheck(HealthCheck(node: node, checkID: "\(third)-app", name: "app", status: .critical,
                                      serviceID: third)),
            ]) }
            let (written, refused, alsoWritten) = await (a, b, c)
            let services = try #require(try await consul.nodeServices(node: node, logger: logger).value).services
            let statistics = await batcher.statistics

            // Then
            #expect(written == nil && alsoWritten == nil)
            let refusal = try #require(refused)
            #expect(refusal.status == 409 && !refusal.isTransient)
            #expect(Set(services.map(\.id)) == [first, third])
            #expect(statistics.items == 3)
            #expect(statistics.batches == 1)
        } cleanup: {
            try? await consul.deregister(.node(node), logger: logger)
            try? await consul.deregister(.node(missingNode), logger: logger)
        }
    }
}

/// The error `body` threw, or `nil` when it returned.
private func outcome(_ body: () async throws -> Void) async -> ConsulError? {
    do { try await body() } catch { return error as? ConsulError }
    return nil
}
