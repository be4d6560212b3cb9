public import Journal
public import Logging
public import ServiceLifecycle

/// Turns a fatal journal write failure into the end of the process: a `Service` in the app's group
/// that waits for ``JournalStore/writesStopped()`` and then throws it, so the group shuts every
/// other service down gracefully (the server stops accepting and flushes the 503s of requests in
/// flight; nothing more is acknowledged, since every write now fails), the app closes
/// the journal, and the executable exits non-zero for the orchestrator to start a new process,
/// whose journal verifies the file before serving. The journal itself never exits the process.
///
/// Ends quietly on graceful shutdown.
public struct JournalStopWatch: Service {
    private let journal: any JournalStore
    private let logger: Logger

    public init(journal: any JournalStore, logger: Logger) {
        self.journal = journal
        self.logger = logger
    }

    /// - Throws: ``JournalError/stopped`` once the journal's writes stopped.
    public func run() async throws {
        let journal = journal
        guard let reason = await cancelWhenGracefulShutdown({ await journal.writesStopped() }) else { return }
        logger.critical("Controller stopping: the journal can no longer acknowledge events", metadata: [
            "mesh.error": .string(reason.description),
        ])
        throw reason
    }
}
