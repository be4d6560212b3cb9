public import MeshModel
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

    /// Refuses a transaction larger than Consul takes, before it is sent.
    /// - Throws: ``ConsulError/Code/badRequest``.
    static func checkTransactionSize(_ count: Int) throws(ConsulError) {
        guard count <= maxTransactionOperations else {
            throw ConsulError(
                code: .badRequest, status: nil, method: "PUT", path: "/v1/txn",
                message: "\(count) operations; Consul accepts at most \(maxTransactionOperations)")
        }
    }

    /// Applies catalog operations atomically (`PUT /v1/txn`).
    ///
    /// Services can only be set on a node that exists (create it with ``register(_:deadline:logger:)``).
    /// - Throws: ``ConsulError``; a rolled-back transaction is 409 (``ConsulError/Code/unexpectedStatus``)
    ///   with Consul's reasons in the message.
    public func catalogTransaction(
        _ operations: [CatalogTransactionOperation], deadline: NIODeadline? = nil, logger: Logger
    ) async throws(ConsulError) {
        guard !operations.isEmpty else { return }
        try Self.checkTransactionSize(operations.count)
        try await write(.PUT, path: "/v1/txn", body: operations, deadline: deadline, logger: logger)
    }
}

/// Why Consul rolled back a transaction: one entry per failed operation (`Errors` of a 409 answer).
struct TransactionErrors: Decodable, Sendable {
    struct Failure: Decodable, Sendable {
        var OpIndex: Int
        var What: String
    }

    var Errors: [Failure]?
}

extension ConsulClient {
    /// Applies several independent units of catalog operations in as few transactions as possible,
    /// each unit succeeding or failing on its own.
    ///
    /// All units go out as one transaction (their operations together must not exceed
    /// ``maxTransactionOperations``). When Consul rolls it back (409), its `Errors[].OpIndex` name the
    /// failing operations: their units fail with Consul's reasons, and the other units are sent
    /// again without them, so one bad unit never fails its neighbours. A failure without an answer
    /// per operation (Consul down, 5xx, 429, a bad request) fails every unit still pending with it.
    /// - Returns: One result per unit, in order; a unit's refusal is ``ConsulError/Code/unexpectedStatus``
    ///   409 (permanent) with Consul's reasons in the message.
    public func catalogTransactions(
        _ units: [[CatalogTransactionOperation]], deadline: NIODeadline? = nil, logger: Logger
    ) async -> [Result<Void, ConsulError>] {
        var results = [Result<Void, ConsulError>?](repeating: nil, count: units.count)
        var pending = units.indices.filter { !units[$0].isEmpty }
        for index in units.indices where units[index].isEmpty { results[index] = .success(()) }
        while !pending.isEmpty {
            var owners: [Int] = []
            var operations: [CatalogTransactionOperation] = []
            for unit in pending {
                operations += units[unit]
                owners += Array(repeating: unit, count: units[unit].count)
            }
            let refused: [Int: [String]]
            do {
                refused = try await rolledBackOperations(operations, deadline: deadline, logger: logger)
                    .reduce(into: [:]) { byUnit, failure in
                        guard owners.indices.contains(failure.OpIndex) else { return }
                        byUnit[owners[failure.OpIndex], default: []].append(failure.What)
                    }
            } catch {
                for unit in pending { results[unit] = .failure(error) }
                break
            }
            for (unit, reasons) in refused {
                results[unit] = .failure(ConsulError(
                    code: .unexpectedStatus, status: 409, method: "PUT", path: "/v1/txn",
                    message: "transaction rolled back: \(reasons.joined(separator: "; "))"))
            }
            if refused.isEmpty {
                for unit in pending { results[unit] = .success(()) }
                break
            }
            pending.removeAll { refused[$0] != nil }
        }
        return results.map { $0 ?? .success(()) }
    }

    /// Sends one transaction.
    /// - Returns: The failed operations when Consul rolled it back; empty when it was applied.
    /// - Throws: ``ConsulError`` for any other failure, including a 409 that names no operation.
    private func rolledBackOperations(
        _ operations: [CatalogTransactionOperation], deadline: NIODeadline?, logger: Logger
    ) async throws(ConsulError) -> [TransactionErrors.Failure] {
        try Self.checkTransactionSize(operations.count)
        let response = try await writeAnswer(.PUT, path: "/v1/txn", body: operations, answering: [409],
                                             deadline: deadline, logger: logger)
        guard response.status == 409 else { return [] }
        let failures = (try? decodeAnswer(TransactionErrors.self, response, method: "PUT", path: "/v1/txn"))?.Errors ?? []
        guard !failures.isEmpty else {
            throw ConsulError(status: 409, body: String(buffer: response.body), method: "PUT", path: "/v1/txn")
        }
        return failures
    }
}
