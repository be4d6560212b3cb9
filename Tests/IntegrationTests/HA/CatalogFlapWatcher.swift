import Consul
import MeshModel
import Synchronization

/// Watches the services on a cluster's synthetic Consul node and records registration flaps: an
/// instance that disappears although its task still runs, that comes back after it was removed, or
/// that is registered anew (Consul gives a re-registered service a new `CreateIndex`, so even a
/// flap shorter than a poll is seen).
final class CatalogFlapWatcher: Sendable {
    private struct State {
        var createIndex: [String: UInt64] = [:]
        var removed: Set<String> = []
        var stoppedTaskIDs: Set<String> = []
        var flaps: [String] = []
        var stopped = false
    }

    private let probe: MeshWorldProbe
    private let clusterArn: String
    private let state = Mutex(State())

    init(probe: MeshWorldProbe, clusterArn: String) {
        self.probe = probe
        self.clusterArn = clusterArn
    }

    /// Flaps seen so far ("<service ID>: <what happened>").
    var flaps: [String] { state.withLock { $0.flaps } }

    /// The task was stopped on purpose: its instances may go.
    func expectGone(taskID: String) { state.withLock { _ = $0.stoppedTaskIDs.insert(taskID) } }

    /// Looks at the node every `interval` until ``stop()``, cancellation, or `limit`, whichever comes
    /// first; call ``check()`` once more at the end. A flap shorter than `interval` is still seen:
    /// the instance comes back with a new `CreateIndex`.
    func run(interval: Duration = .milliseconds(200), limit: Duration = .seconds(600)) async {
        let end = ContinuousClock.now + limit
        while !state.withLock({ $0.stopped }), ContinuousClock.now < end {
            await check()
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    func stop() { state.withLock { $0.stopped = true } }

    /// One look at the node.
    func check() async {
        guard let services = try? await probe.nodeServices(clusterArn: clusterArn) else { return }
        let now = Dictionary(services.map { ($0.id, $0.createIndex ?? 0) }) { first, _ in first }
        state.withLock { state in
            for (id, index) in now {
                if state.removed.remove(id) != nil {
                    state.flaps.append("\(id): registered again after it was removed")
                }
                if let seen = state.createIndex[id], seen != index {
                    state.flaps.append("\(id): registered anew (CreateIndex \(seen) -> \(index))")
                }
                state.createIndex[id] = index
            }
            for id in state.createIndex.keys.filter({ now[$0] == nil }) {
                if !state.stoppedTaskIDs.contains(where: { id.contains($0) }) {
                    state.flaps.append("\(id): disappeared while its task runs")
                }
                state.createIndex[id] = nil
                state.removed.insert(id)
            }
        }
    }
}
