public import Logging
public import MeshModel

/// Writes catalog intents to Consul; the registration worker's seam (``ConsulMeshCatalog`` in
/// production, an in-memory fake in tests).
public protocol MeshCatalogWriter: Sendable {
    /// Writes `intent`. With `change == .checks(...)` only those checks are sent; with `.full` the
    /// service, the proxy and all checks are.
    func write(_ intent: CatalogIntent, change: CatalogIntent.Change, logger: Logger) async throws

    /// Removes `serviceIDs` (with their checks) from `node`, in order.
    func deregister(node: String, serviceIDs: [String], logger: Logger) async throws
}
