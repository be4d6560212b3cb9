public import Batching
public import Logging

/// Gathers the catalog transactions of concurrently running workers into shared `PUT /v1/txn` calls.
///
/// Each worker submits its own unit (a task's service and checks, or its deregistration) and gets
/// its own outcome: units go out together, up to ``ConsulClient/maxTransactionOperations`` operations
/// per transaction, and ``ConsulClient/catalogTransactions(_:deadline:logger:)`` keeps a unit that
/// Consul refuses from failing the others. A storm of registrations thus costs one Raft entry per
/// batch instead of one per task.
///
/// ```swift
/// let batcher = CatalogTransactionBatcher(consul: consul, logger: logger)
/// try await batcher.apply([.setService(node: node, service), .setCheck(check)])
/// ```
public struct CatalogTransactionBatcher: Sendable {
    /// Default batching: 64 operations per transaction, two transactions on the wire at once, and
    /// 2 ms of waiting for company while one is (a transaction that finds none on the wire goes at once).
    public static let defaultConfiguration = CoalescingBatcher<Int, [CatalogTransactionOperation], Void>.Configuration(
        maxBatchWeight: ConsulClient.maxTransactionOperations, window: .milliseconds(2), maxInFlightBatches: 2,
        waitsWhenIdle: false)

    private let batcher: CoalescingBatcher<Int, [CatalogTransactionOperation], Void>

    /// - Parameters:
    ///   - consul: The client whose token writes the catalog.
    ///   - configuration: Batch weight (at most 64 operations), window and transactions in flight.
    ///   - logger: For the shared calls (each caller logs its own outcome).
    public init(consul: ConsulClient, configuration: CoalescingBatcher<Int, [CatalogTransactionOperation], Void>.Configuration
                = CatalogTransactionBatcher.defaultConfiguration, logger: Logger) {
        var configuration = configuration
        configuration.maxBatchWeight = min(configuration.maxBatchWeight, ConsulClient.maxTransactionOperations)
        batcher = CoalescingBatcher(configuration: configuration) { _, units in
            await consul.catalogTransactions(units, logger: logger).map { $0.mapError { $0 } }
        }
    }

    /// Applies `operations` as one unit, in a transaction it may share with other callers' units.
    /// - Throws: ``ConsulError``: Consul's refusal of this unit (409, permanent), or the shared call's
    ///   failure (Consul unreachable, 5xx, 429).
    public func apply(_ operations: [CatalogTransactionOperation]) async throws(ConsulError) {
        guard !operations.isEmpty else { return }
        try ConsulClient.checkTransactionSize(operations.count)
        do {
            try await batcher.submit(operations, weight: operations.count, in: 0)
        } catch let error as ConsulError {
            throw error
        } catch {
            throw ConsulError(code: .unavailable, status: nil, method: "PUT", path: "/v1/txn",
                              message: "batched transaction failed: \(error)", underlying: error)
        }
    }

    /// The batcher's counters (transactions sent, units per transaction).
    public var statistics: CoalescingBatcher<Int, [CatalogTransactionOperation], Void>.Statistics {
        get async { await batcher.statistics }
    }
}
