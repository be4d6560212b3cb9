import ErrorClassification
import Foundation
import MeshModel

/// One request to the single writer. Everything that changes the database is one of these, so all
/// writes are serialised and group-committed together.
enum WriteOperation: Sendable {
    case append(events: [DecodedEvent], receivedAt: Date)
    case markWork(keys: [String], at: Date)
    case recordAttempt(WorkAttempt)
    case upsertService(ServiceRecord)
    case upsertTaskMeta(TaskMeta)
    /// Retention: deletes events up to `throughSequence` received before the cutoff (never the newest).
    case pruneEvents(throughSequence: Int64, receivedBefore: Date)
    /// Retention: deletes these tasks if they are still stopped with their work settled before the cutoff.
    case pruneTasks(arns: [String], settledBefore: Date)
    /// A named value the controller keeps across starts (opaque to the journal).
    case storeSetting(name: String, value: String, at: Date)
    /// Readiness: takes the write lock and commits nothing, to learn whether writes work again.
    case probe
    /// A heartbeat's health transition, with its task's work key marked pending (newer revisions only).
    case recordHealth(TaskHealthRecord, wakeKey: String)

    /// How much of a batch (and of the backpressure budget) the operation uses: events or keys.
    var weight: Int {
        switch self {
        case .append(let events, _): max(1, events.count)
        case .markWork(let keys, _): max(1, keys.count)
        case .pruneTasks(let arns, _): max(1, arns.count)
        case .recordAttempt, .upsertService, .upsertTaskMeta, .pruneEvents, .storeSetting, .probe, .recordHealth: 1
        }
    }

    /// Whose backpressure budget the operation counts against: events from outside, or the
    /// controller's own bookkeeping (workers, resync, the admin API, retention, readiness).
    var budget: WriteBudget {
        switch self {
        case .append: .ingest
        case .recordHealth: .health
        default: .worker
        }
    }
}

/// The two backpressure budgets of the writer's queue, counted apart so that an ingest flood
/// (answered 429) cannot make the workers' bookkeeping fail, which would stall the convergence that
/// drains it.
enum WriteBudget: Sendable, Hashable {
    /// `POST /v1/events`: limited by ``JournalConfiguration/maxQueuedEvents``.
    case ingest
    /// Work keys, attempts, services, task metadata, retention and probes: limited by
    /// ``JournalConfiguration/maxQueuedWorkerWrites``.
    case worker
    /// Heartbeats' health transitions (a warm-up sends one per task at once): limited by
    /// ``JournalConfiguration/maxQueuedWorkerWrites`` too, but counted apart from the workers', so
    /// a burst of first heartbeats cannot make the workers' bookkeeping fail, nor the reverse.
    case health
}

/// The outcome of a worker's attempt at a work key.
struct WorkAttempt: Sendable {
    var key: String
    /// The generation the worker read when it started; a newer one means an event arrived meanwhile.
    var generation: Int64
    var succeeded: Bool
    var error: String?
    /// The class of ``error``.
    var errorClass: ErrorClass?
    /// Park the key as failed (only if no newer event arrived).
    var parked: Bool
    var notBefore: Date?
    var at: Date
}

/// What one operation produced.
enum WriteOutput: Sendable {
    case appended([AppendResult])
    case workItem(WorkItem?)
    /// Rows deleted by a retention operation.
    case pruned(Int)
    /// Whether a conditional write changed anything.
    case stored(Bool)
    case done
}
