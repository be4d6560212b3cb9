public import Foundation
public import Journal
public import LeaderElection
public import Logging
public import ServiceLifecycle

/// Keeps the journal from growing forever: a pass at start and then every `interval` deletes events
/// older than `retention`, and tasks that stopped with their work done before then
/// (``JournalStore/prune(before:chunk:fence:)``).
///
/// A `Service` in the app's group; it sleeps between passes and ends on graceful shutdown. A pass
/// that fails is logged and retried at the next interval: retention is housekeeping, and a failing
/// journal shows itself on every write already.
public struct JournalRetention: Service {
    public let retention: Duration
    public let interval: Duration
    private let journal: any JournalStore
    private let metrics: ControllerMetrics?
    private let now: @Sendable () -> Date
    /// Checked before each pass (deleting rows is leader work); `nil`: always.
    private let leadership: LeadershipGuard?
    private let logger: Logger

    /// - Parameters:
    ///   - retention: How old a row must be before it is deleted.
    ///   - interval: The pause between passes.
    ///   - now: The wall clock (tests pass their own).
    public init(retention: Duration, interval: Duration, journal: any JournalStore, metrics: ControllerMetrics? = nil,
                now: @escaping @Sendable () -> Date = { Date() }, leadership: LeadershipGuard? = nil, logger: Logger) {
        self.leadership = leadership
        self.retention = retention
        self.interval = interval
        self.journal = journal
        self.metrics = metrics
        self.now = now
        self.logger = logger
    }

    /// The service for a configuration, or `nil` when it keeps everything (`retentionDays` 0).
    public init?(configuration: MeshConfiguration.Journal, journal: any JournalStore, metrics: ControllerMetrics?,
                 leadership: LeadershipGuard? = nil, logger: Logger) {
        guard configuration.retentionDays > 0 else { return nil }
        self.init(retention: .seconds(configuration.retentionDays * 86400),
                  interval: .seconds(configuration.pruneIntervalSeconds),
                  journal: journal, metrics: metrics, leadership: leadership, logger: logger)
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await pass()
                try await Task.sleep(for: interval)
            }
        }
    }

    /// One pass: deletes what is older than now minus ``retention``.
    /// - Returns: What was deleted, or `nil` when the pass failed (it is logged).
    @discardableResult
    public func pass() async -> JournalPruneReport? {
        if let leadership, !leadership.isLeading { return nil }
        // Whole seconds are precise enough for a retention of days.
        let cutoff = now().addingTimeInterval(-TimeInterval(retention.components.seconds))
        do {
            let report = try await journal.prune(before: cutoff, chunk: JournalDefaults.pruneChunk, fence: leadership)
            metrics?.journalPruned(events: report.events, tasks: report.tasks)
            return report
        } catch {
            logger.warning("Journal retention pass failed; the next pass tries again", metadata: [
                "mesh.error": .string(error.description),
                "mesh.retention.cutoff": .string(cutoff.formatted(.iso8601)),
            ])
            return nil
        }
    }
}
