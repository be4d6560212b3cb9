public import Logging
import PostgresLeaderElection
public import ServiceLifecycle

/// Where replicas share when they last heard each task (`journal.backend=postgres`): each replica
/// flushes the tasks it heard, and the leader's TTL sweep asks which tasks no replica heard. A
/// single process needs none (its tracker hears every heartbeat).
public protocol HeartbeatSightingStore: Sendable {
    /// Makes the store ready (creates what is missing); safe to call from several replicas at once.
    func prepare() async throws
    /// Records that `replicaID` heard each of `taskArns` now, in one write.
    func record(taskArns: [String], replicaID: String) async throws
    /// Tasks that a replica heard once but none within the last `seconds`, at most `limit`.
    func silentTasks(forSeconds seconds: Double, limit: Int) async throws -> [String]
    /// Forgets the sightings of `taskArns` still silent for `seconds` (handled by the sweep).
    func forget(taskArns: [String], silentForSeconds seconds: Double) async throws
}

extension PostgresHeartbeatSightings: HeartbeatSightingStore {}

/// Every replica's flush of the tasks it heard to the shared ``HeartbeatSightingStore``: one
/// batched write per ``interval`` at most, whatever the number of tasks, and none while no
/// heartbeat arrives. A failed flush keeps its tasks for the next one. Each tick also forgets
/// (from memory) the tasks that stopped. It prepares the store first, retrying each interval.
///
/// A `Service` in the app's group on every replica; it flushes once more on graceful shutdown.
public struct HeartbeatSightingFlusher: Service {
    public static let defaultInterval: Duration = .seconds(1)

    private let tracker: HeartbeatTracker
    private let store: any HeartbeatSightingStore
    private let replicaID: String
    private let expiry: HeartbeatExpiry
    private let interval: Duration
    private let logger: Logger

    public init(tracker: HeartbeatTracker, store: any HeartbeatSightingStore, replicaID: String,
                expiry: HeartbeatExpiry, interval: Duration = Self.defaultInterval, logger: Logger) {
        self.tracker = tracker
        self.store = store
        self.replicaID = replicaID
        self.expiry = expiry
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await store.prepare()
                    break
                } catch {
                    logger.warning("Heartbeat sightings not ready; retrying", metadata: ["mesh.error": .string("\(error)")])
                    try await Task.sleep(for: interval)
                }
            }
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await flush()
                await expiry.forgetStopped()
            }
        }
        await flush()
    }

    /// Writes the tasks heard since the previous flush, if any.
    public func flush() async {
        let heard = tracker.takeSightings()
        guard !heard.isEmpty else { return }
        do {
            try await store.record(taskArns: heard, replicaID: replicaID)
        } catch {
            tracker.returnSightings(heard)
            logger.warning("Could not share the tasks this replica heard; the next flush retries", metadata: [
                "mesh.heartbeat.tasks": .stringConvertible(heard.count), "mesh.error": .string("\(error)"),
            ])
        }
    }
}
