public import Logging
import MeshModel
public import ServiceLifecycle

/// Wakes a replica from the shared journal's work signals (`journal.backend=postgres`): the keys
/// that committed writes of any replica marked pending, this one's included. The leader's queue
/// schedules them at once (a follower's queue does not run and ignores them); an empty signal
/// (keys unknown) makes it re-read the journal's pending keys. The heartbeat tracker takes the
/// health transitions that other replicas journaled for the tasks it tracks, so a heartbeat
/// landing here is judged against the journal's latest health.
///
/// A `Service` in the app's group on every replica. A single process does not run it: it
/// schedules its own keys directly.
public struct WorkSignalRelay: Service {
    private let signals: AsyncStream<[String]>
    private let scheduler: (any WorkScheduler)?
    private let heartbeats: HeartbeatRecorder?
    private let logger: Logger

    /// - Parameters:
    ///   - signals: The journal's `workSignals()`, consumed by this relay alone.
    ///   - scheduler: The work queue; `nil` without workers.
    ///   - heartbeats: The heartbeat recorder whose tracker follows other replicas' transitions.
    public init(signals: AsyncStream<[String]>, scheduler: (any WorkScheduler)?, heartbeats: HeartbeatRecorder?,
                logger: Logger) {
        self.signals = signals
        self.scheduler = scheduler
        self.heartbeats = heartbeats
        self.logger = logger
    }

    public func run() async throws {
        for await keys in signals.cancelOnGracefulShutdown() {
            await relay(keys)
        }
    }

    /// Hands one signal on.
    public func relay(_ keys: [String]) async {
        guard !keys.isEmpty else {
            logger.debug("Work signal without keys; rescanning the journal's pending keys")
            await scheduler?.rescanMarked()
            await heartbeats?.adoptAllJournaled()
            return
        }
        await scheduler?.scheduleMarked(keys)
        guard let heartbeats else { return }
        for key in keys {
            guard case .task(let arn)? = WorkKey(key) else { continue }
            await heartbeats.adoptJournaled(taskArn: arn)
        }
    }
}
