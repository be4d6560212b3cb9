public import ErrorClassification
public import Foundation
public import MeshModel

/// Receives an append's results (see ``JournalStore/append(_:receivedAt:completion:)``).
public typealias AppendCompletion = @Sendable (Result<[AppendResult], JournalError>) -> Void

/// Every journal operation the controller uses, whatever holds the journal: ``EventJournal``
/// (SQLite, one process) or a journal on a shared database (several replicas).
///
/// Every implementation keeps the same contract, and one test suite checks each of them:
/// - **Durable when a write returns.** A write returns only once its transaction committed durably
///   (DESIGN principle 1: the 202 follows the commit). Writes queued together commit together
///   (group commit), so one flush acknowledges many requests; backpressure answers
///   ``JournalError/overloaded`` at once instead of queueing without bound.
/// - **One transaction.** An event's row, the task state folded from it and its work key are
///   written in one transaction.
/// - **Ordered by `detail.version`.** Each task's events fold in version order (``TaskFold``): an
///   event at or below the known version is still journaled, as `duplicate` or `stale`, changes
///   nothing, and is answered 200 by the ingest route.
/// - **Reads never block a cooperative thread.** They suspend the calling task; a cancelled caller
///   gets ``JournalError/cancelled``.
/// - **Fenced work records.** The writes that record work (marking keys, attempts, services, task
///   metadata, settings, observations, retention, heartbeat expiry) take a ``WorkFence``: the store
///   calls ``WorkFence/epochForWork()`` just before the write is queued and refuses with
///   ``JournalError/fenced`` when it throws (a shared store also compares the epoch with the current
///   one inside the transaction). `nil` records unconditionally; ingest and heartbeats pass `nil`.
///   The forms without `fence:` (protocol extension) pass `nil`.
/// - **Closed is closed.** After ``close()`` every read and write throws ``JournalError/closed``.
///
/// ```swift
/// let journal: any JournalStore = try EventJournal(configuration: .init(path: path), logger: logger)
/// let results = try await journal.append(events, receivedAt: .now) // durable when this returns
/// for await keys in journal.workSignals() { /* keys marked pending; [] = re-read pendingWork */ }
/// ```
public protocol JournalStore: Sendable {
    // MARK: Events and folded tasks

    /// Journals events and folds them into task state; durable when it returns. Applied events
    /// mark their task's key `task:<arn>` pending in the same transaction.
    /// - Returns: One result per event, in order.
    /// - Throws: ``JournalError/overloaded`` (429), ``JournalError/unavailable`` (503),
    ///   ``JournalError/closed``.
    func append(_ events: [DecodedEvent], receivedAt: Date) async throws(JournalError) -> [AppendResult]

    /// ``append(_:receivedAt:)`` for a caller that answers from the commit itself (ingest's 202):
    /// `completion` runs exactly once, on the journal's writer thread once the commit is durable,
    /// or at once on the caller's thread when the write is refused. It must be quick and must not
    /// block: the other callers of the batch wait behind it.
    func append(_ events: [DecodedEvent], receivedAt: Date, completion: @escaping AppendCompletion)

    /// Journals task states the controller observed itself (resync), folded exactly like events,
    /// their rows labelled with `source`.
    func observe(_ changes: [TaskStateChange], source: String, observedAt: Date,
                 fence: (any WorkFence)?) async throws(JournalError) -> [AppendResult]

    /// The folded state of one task, or `nil` if no event for it was applied.
    func task(arn: String) async throws(JournalError) -> TaskRecord?

    /// Tasks in ARN order, optionally of one cluster and/or one `lastStatus`, after `after`
    /// (keyset pagination), at most `limit` (clamped to 1...10 000).
    func tasks(cluster: String?, status: String?, limit: Int, after: String?) async throws(JournalError) -> [TaskRecord]

    /// The folded state of each known task of `arns`, by ARN; unknown ARNs are absent.
    func tasks(arns: some Collection<String>) async throws(JournalError) -> [String: TaskRecord]

    /// Journal rows with a sequence number greater than `sequence`, oldest first.
    func entries(after sequence: Int64, limit: Int) async throws(JournalError) -> [JournalEntry]

    /// The newest `limit` journal rows of one task, oldest first.
    func entries(forTask arn: String, limit: Int) async throws(JournalError) -> [JournalEntry]

    /// The highest sequence number journaled so far (0 when empty).
    func lastSequence() async throws(JournalError) -> Int64

    /// The `source` label of a journal row (`"event"`, or an observation's), or `nil` when there is no such row.
    func source(ofSequence sequence: Int64) async throws(JournalError) -> String?

    /// Retention: deletes events received before `cutoff` (never the newest row) and stopped tasks
    /// whose work settled before it, with their key, metadata and health, in chunks of `chunk` rows.
    func prune(before cutoff: Date, chunk: Int, fence: (any WorkFence)?) async throws(JournalError) -> JournalPruneReport

    // MARK: Work keys

    /// Marks keys pending with a new generation (inserting them if new); durable when it returns.
    func markWork(_ keys: [String], at date: Date, fence: (any WorkFence)?) async throws(JournalError)

    /// Records the outcome of an attempt at `key` begun at `generation`: success settles the key
    /// (`done`) only if the generation is unchanged; failure counts the attempt, keeps `error` and
    /// `errorClass`, and leaves the key pending until `notBefore` or parks it (`failed`) when
    /// `parked` and the generation is unchanged. Starting an attempt writes nothing.
    /// - Returns: The item as stored now.
    /// - Throws: ``JournalError/notFound`` if the key does not exist.
    @discardableResult
    func recordAttempt(key: String, generation: Int64, succeeded: Bool, error: String?, errorClass: ErrorClass?,
                       parked: Bool, notBefore: Date?, at date: Date,
                       fence: (any WorkFence)?) async throws(JournalError) -> WorkItem?

    /// Keys waiting for a worker (`pending`, and `running` ones an older version left), in key
    /// order after `after`, at most `limit`.
    func pendingWork(limit: Int, after: String?) async throws(JournalError) -> [WorkItem]

    /// Keys in one state (or all), in key order after `after`, at most `limit`.
    func work(state: WorkState?, limit: Int, after: String?) async throws(JournalError) -> [WorkItem]

    /// One key, or `nil`.
    func workItem(key: String) async throws(JournalError) -> WorkItem?

    /// The work items of `keys` that exist, by key.
    func workItems(keys: some Collection<String>) async throws(JournalError) -> [String: WorkItem]

    /// At most 10 keys that start with `prefix` and end with `suffix`, in key order.
    func workKeys(prefix: String, suffix: String) async throws(JournalError) -> [WorkItem]

    /// How many keys are in each state (every state present, zero if none).
    func workCounts() async throws(JournalError) -> [WorkState: Int]

    // MARK: Services, task metadata, settings

    /// Inserts or replaces the record of `service.name`; durable when it returns.
    func upsertService(_ service: ServiceRecord, fence: (any WorkFence)?) async throws(JournalError)

    /// The record of one service, or `nil`.
    func service(name: String) async throws(JournalError) -> ServiceRecord?

    /// All services, in name order.
    func services() async throws(JournalError) -> [ServiceRecord]

    /// Inserts or replaces the cached metadata of `meta.taskArn`; durable when it returns.
    func upsertTaskMeta(_ meta: TaskMeta, fence: (any WorkFence)?) async throws(JournalError)

    /// The cached metadata of one task, or `nil`.
    func taskMeta(arn: String) async throws(JournalError) -> TaskMeta?

    /// The cached metadata of each task of `arns` that has any, by ARN.
    func taskMeta(arns: some Collection<String>) async throws(JournalError) -> [String: TaskMeta]

    /// The value stored under `name`, or `nil`.
    func setting(_ name: String) async throws(JournalError) -> String?

    /// Stores `value` under `name`, replacing any earlier value; durable when it returns.
    func storeSetting(_ name: String, value: String, at date: Date, fence: (any WorkFence)?) async throws(JournalError)

    // MARK: Heartbeats

    /// Stores a health transition and marks `wakeKey` pending in the same transaction.
    /// - Returns: `false` when the journal already holds a newer revision (nothing written).
    @discardableResult
    func recordHealth(_ record: TaskHealthRecord, wakeKey: String,
                      fence: (any WorkFence)?) async throws(JournalError) -> Bool

    /// The journaled health of one task, or `nil` if its sidecar never reported.
    func taskHealth(arn: String) async throws(JournalError) -> TaskHealthRecord?

    /// Every journaled health record, in ARN order.
    func taskHealthRecords() async throws(JournalError) -> [TaskHealthRecord]

    /// Who may send heartbeats for `taskArn`, or `nil` for a task the journal does not know.
    func heartbeatIdentity(taskArn: String) async throws(JournalError) -> HeartbeatIdentity?

    /// The identities of every mesh task that has not stopped.
    func heartbeatIdentities() async throws(JournalError) -> [HeartbeatIdentity]

    /// Service name → lower-case hex SHA-256 of its token, for services whose token exists.
    func serviceTokenHashes() async throws(JournalError) -> [String: String]

    // MARK: Admin API

    /// Tasks in ARN order with their metadata, filtered by cluster, Consul service and `lastStatus`.
    func adminTasks(cluster: String?, service: String?, status: String?, limit: Int,
                    after: String?) async throws(JournalError) -> [AdminTaskRow]

    /// The tasks whose ID (the last ARN segment) is `taskID`.
    func adminTasks(id taskID: String) async throws(JournalError) -> [AdminTaskRow]

    /// Services in name order after `after`, each with its live tasks' IDs.
    func adminServices(limit: Int, after: String?) async throws(JournalError) -> [AdminServiceRow]

    /// The journal's figures for `GET /v1/status` and `/metrics`, read in one transaction.
    func adminSummary() async throws(JournalError) -> JournalSummary

    // MARK: Write health, signals and lifecycle

    /// Whether writes work: `healthy`, `failing` (may pass), or `stopped` after a fatal failure.
    var writeStatus: JournalWriteStatus { get }

    /// Suspends until a fatal write failure stops the journal and returns why; `nil` when the
    /// calling task is cancelled first. The application exits on it.
    func writesStopped() async -> JournalError?

    /// Tries a write that changes nothing, so that a failing journal learns whether writes work again.
    /// - Returns: The status afterwards.
    @discardableResult
    func probeWrites() async -> JournalWriteStatus

    /// Counters of the writer, for metrics and tests.
    var statistics: JournalStatistics { get }

    /// A new stream of the keys that committed writes marked pending: one element per commit that
    /// marked any (by this process, or, for a shared database, by any replica). An EMPTY array means
    /// "keys unknown (too many, or the signal was interrupted): re-read ``pendingWork(limit:after:)``".
    /// A hint only: the durable work table stays the truth. The stream ends when the journal closes.
    func workSignals() -> AsyncStream<[String]>

    /// Commits what is queued, then closes; later calls throw ``JournalError/closed``.
    func close() async
}
