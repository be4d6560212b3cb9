public import Journal
public import PostgresNIO

/// How the PostgreSQL journal connects and how much it queues (the same budgets as the SQLite
/// journal's ``JournalConfiguration``, so backpressure answers 429 at the same points).
public struct PostgresJournalConfiguration: Sendable {
    /// The client's configuration (host, credentials, TLS, pool size); see `PostgresClientFactory`.
    /// The journal adds `synchronous_commit=on` to its sessions' startup parameters. The pool needs
    /// at least three connections: one stays on `LISTEN mesh_work`, one writes, the rest read.
    public var client: PostgresClient.Configuration
    /// The most events (or work-key writes) committed in one transaction.
    public var maxBatchSize: Int = JournalConfiguration.defaultMaxBatchSize
    /// How many batches of the writer commit at once, each in its own transaction on its own pooled
    /// connection (at most the pool's size less two: the `LISTEN` connection and one for reads).
    /// With a server far away, a commit waits on round trips, and one batch at a time caps
    /// throughput at one batch per transaction latency. Where the server shares the replica's CPU,
    /// more batches mean more, smaller transactions for the same events, and batches of one task
    /// wait for each other at its advisory lock (folds stay in order either way), so the default
    /// stays 1: on a 2-core VM (2026-12-05, loaded) 3 measured no better than 1.
    public var concurrentCommits: Int = PostgresJournalConfiguration.defaultConcurrentCommits
    /// The default of ``concurrentCommits``.
    public static let defaultConcurrentCommits = 1
    /// Backpressure: once this many events wait for the writer, `append` throws
    /// ``JournalError/overloaded`` at once (the HTTP layer answers 429).
    public var maxQueuedEvents: Int = JournalConfiguration.defaultMaxQueuedEvents
    /// The workers' own backpressure budget, counted apart from ingest's.
    public var maxQueuedWorkerWrites: Int = JournalConfiguration.defaultMaxQueuedWorkerWrites
    /// How long one transaction of the writer may take, waiting for a connection included, before its
    /// batch fails with a retryable ``JournalError/unavailable`` (below EventBridge's 5 s timeout).
    public var writeTimeout: Duration = .seconds(4)
    /// Told once per transaction of the writer (metrics); must be quick and must not call the journal.
    public var commitObserver: (@Sendable (JournalCommitReport) -> Void)?

    public init(client: PostgresClient.Configuration) {
        self.client = client
    }
}
