public import Batching
public import Consul
public import Logging
public import MeshModel
import Synchronization

/// ``MeshCatalogWriter`` over Consul's catalog.
///
/// A catalog registration (`PUT /v1/catalog/register`) reads the whole synthetic node to vet the
/// call, which costs milliseconds once the node holds thousands of services; a transaction
/// (`PUT /v1/txn`) vets each operation alone and applies them as one Raft entry. So the application
/// service with its checks, check changes and deregistrations go in transactions. Consul 1.8's
/// transaction drops a service's `Kind` and `Proxy`, so the sidecar proxy is always registered with
/// `PUT /v1/catalog/register`, after its service, and a transaction cannot create a node, so the
/// first write to a node this process has not written yet is a registration too (`SkipNodeUpdate`:
/// the node is created once, with its meta, and never rewritten). A refused transaction falls back
/// to registrations at once and forgets the node (it may be gone, e.g. after a Consul restart
/// without data). A gateway (a service with a `Kind`, tagged addresses and no sidecar) is always
/// registered too, for the same reason.
///
/// The transactions of concurrently running workers are batched (``CatalogTransactionBatcher``): a
/// deployment storm writes its services and checks in transactions of up to 64 operations, and each
/// task's unit still succeeds or fails on its own.
public struct ConsulMeshCatalog: MeshCatalogWriter {
    private let consul: ConsulClient
    private let transactions: CatalogTransactionBatcher
    private let knownNodes = KnownNodes()

    /// - Parameters:
    ///   - consul: The client whose token writes the catalog.
    ///   - batching: How transactions of concurrent workers are batched.
    ///   - logger: For the shared transaction calls.
    public init(consul: ConsulClient,
                batching: CoalescingBatcher<Int, [CatalogTransactionOperation], Void>.Configuration
                    = CatalogTransactionBatcher.defaultConfiguration,
                logger: Logger = Logger(label: "mesh.catalog")) {
        self.consul = consul
        self.transactions = CatalogTransactionBatcher(consul: consul, configuration: batching, logger: logger)
    }

    public func write(_ intent: CatalogIntent, change: CatalogIntent.Change, logger: Logger) async throws {
        switch change {
        case .none:
            return
        case _ where intent.service.kind != .typical:
            try await register(intent.service, of: intent, logger: logger)
        case .checks(let checks):
            let operations = checks.map { CatalogTransactionOperation.setCheck(Self.consulCheck($0, node: intent.node)) }
            if try await transaction(operations, node: intent.node, logger: logger) { return }
            try await register(intent.service, of: intent, logger: logger)
        case .full:
            let operations = [CatalogTransactionOperation.setService(node: intent.node, intent.service)]
                + intent.checks(of: intent.service.id).map { .setCheck(Self.consulCheck($0, node: intent.node)) }
            if try await !transaction(operations, node: intent.node, logger: logger) {
                try await register(intent.service, of: intent, logger: logger)
            }
        }
        if let proxy = intent.proxy {
            try await register(proxy, of: intent, logger: logger)
        }
        knownNodes.insert(intent.node)
    }

    /// Applies `operations` in one transaction if the node is known to exist.
    /// - Returns: `false` when the caller must register instead (unknown node, or Consul refused).
    /// - Throws: ``ConsulError`` when Consul is unreachable or failing (worth a retry, not a fallback).
    private func transaction(
        _ operations: [CatalogTransactionOperation], node: String, logger: Logger
    ) async throws -> Bool {
        guard knownNodes.contains(node), operations.count <= ConsulClient.maxTransactionOperations else { return false }
        let refusal: ConsulError
        do {
            try await transactions.apply(operations)
            return true
        } catch {
            refusal = error
        }
        if refusal.isRetryable { throw refusal }
        knownNodes.remove(node)
        logger.debug("Catalog transaction refused; registering instead", metadata: ["mesh.error": .string(refusal.description)])
        return false
    }

    public func deregister(node: String, serviceIDs: [String], logger: Logger) async throws {
        let refusal: ConsulError
        do {
            try await transactions.apply(serviceIDs.map { .deleteService(node: node, serviceID: $0) })
            return
        } catch {
            refusal = error
        }
        if refusal.isRetryable { throw refusal }
        for id in serviceIDs {
            try await consul.deregister(.service(id, node: node), logger: logger)
        }
    }

    /// Registers one service of the intent with its checks; creates the node (with its meta) if missing.
    private func register(_ service: CatalogService, of intent: CatalogIntent, logger: Logger) async throws {
        try await consul.register(CatalogRegistration(
            node: intent.node, address: intent.nodeAddress, nodeMeta: intent.nodeMeta, skipNodeUpdate: true,
            service: service,
            checks: intent.checks(of: service.id).map { Self.consulCheck($0, node: "") }
        ), logger: logger)
    }

    /// A check for Consul; `node` empty inside a registration (the registration names it).
    static func consulCheck(_ check: CatalogCheck, node: String) -> HealthCheck {
        HealthCheck(
            node: node, checkID: check.checkID, name: check.name, status: HealthStatus(rawValue: check.status.rawValue),
            notes: check.notes, output: check.output, serviceID: check.serviceID, type: check.type
        )
    }
}

/// Nodes this process has written to (so they exist); thread-safe.
final class KnownNodes: Sendable {
    private let nodes = Mutex<Set<String>>([])

    func contains(_ node: String) -> Bool { nodes.withLock { $0.contains(node) } }
    func insert(_ node: String) { _ = nodes.withLock { $0.insert(node) } }
    func remove(_ node: String) { _ = nodes.withLock { $0.remove(node) } }
}
