public import Logging
public import NIOCore
import NIOHTTP1

/// One catalog operation of a transaction (`PUT /v1/txn`, Consul 1.4+).
///
/// A transaction applies all its operations in one Raft entry or none of them, and Consul checks
/// each against the token's ACL one by one, without reading the whole node as a catalog
/// registration does. On a synthetic node with thousands of services that makes a service with
/// its proxy and checks several times cheaper than two `PUT /v1/catalog/register` calls.
public enum CatalogTransactionOperation: Sendable, Equatable, Encodable {
    /// Registers or replaces a service on an existing node (`Service` verb `set`). Consul 1.8 keeps
    /// only the plain fields here and drops `Kind` and `Proxy`: register sidecar proxies with
    /// ``ConsulClient/register(_:deadline:logger:)``.
    case setService(node: String, CatalogService)
    /// Removes a service and its checks from a node (`Service` verb `delete`); a missing service is fine.
    case deleteService(node: String, serviceID: String)
    /// Registers or updates a check (`Check` verb `set`); ``HealthCheck/node`` must be set.
    case setCheck(HealthCheck)

    private struct ServiceOperation: Encodable {
        var Verb: String
        var Node: String
        var Service: ServiceBody
    }

    private enum ServiceBody: Encodable {
        case full(CatalogService)
        case id(String)

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .full(let service): try service.encode(to: encoder)
            case .id(let id):
                var container = encoder.container(keyedBy: IDKey.self)
                try container.encode(id, forKey: .id)
            }
        }

        private enum IDKey: String, CodingKey { case id = "ID" }
    }

    private struct CheckOperation: Encodable {
        var Verb: String
        var Check: HealthCheck
    }

    private enum CodingKeys: String, CodingKey { case service = "Service", check = "Check" }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case let .setService(node, service):
            try container.encode(ServiceOperation(Verb: "set", Node: node, Service: .full(service)), forKey: .service)
        case let .deleteService(node, serviceID):
            try container.encode(ServiceOperation(Verb: "delete", Node: node, Service: .id(serviceID)), forKey: .service)
        case .setCheck(let check):
            try container.encode(CheckOperation(Verb: "set", Check: check), forKey: .check)
        }
    }
}

extension ConsulClient {
    /// Consul 1.8 refuses transactions with more operations than this.
    public static let maxTransactionOperations = 64

    /// Applies catalog operations atomically (`PUT /v1/txn`).
    ///
    /// Services can only be set on a node that exists (create it with ``register(_:deadline:logger:)``).
    /// - Throws: ``ConsulError``; a rolled-back transaction is 409 (``ConsulError/Code/unexpectedStatus``)
    ///   with Consul's reasons in the message.
    public func catalogTransaction(
        _ operations: [CatalogTransactionOperation], deadline: NIODeadline? = nil, logger: Logger
    ) async throws(ConsulError) {
        guard !operations.isEmpty else { return }
        guard operations.count <= Self.maxTransactionOperations else {
            throw ConsulError(
                code: .badRequest, status: nil, method: "PUT", path: "/v1/txn",
                message: "\(operations.count) operations; Consul accepts at most \(Self.maxTransactionOperations)")
        }
        try await write(.PUT, path: "/v1/txn", body: operations, deadline: deadline, logger: logger)
    }
}
