import ErrorClassification
import Foundation
import MeshModel

/// One request to the single writer. Everything that changes the database is one of these, so all
/// writes are serialised and group-committed together.
enum WriteOperation: Sendable {
    case append(events: [DecodedEvent], receivedAt: Date)
    case markWork(keys: [String], at: Date)
    case startAttempt(key: String, at: Date)
    case recordAttempt(WorkAttempt)
    case upsertService(ServiceRecord)
    case upsertTaskMeta(TaskMeta)
    /// Retention: deletes events up to `throughSequence` received before the cutoff (never the newest).
    case pruneEvents(throughSequence: Int64, receivedBefore: Date)
    /// Retention: deletes these tasks if they are still stopped with their work settled before the cutoff.
    case pruneTasks(arns: [String], settledBefore: Date)
    /// A named value the controller keeps across starts (opaque to the journal).
    case storeSetting(name: String, value: String, at: Date)

    /// How much of a batch (and of the backpressure budget) the operation uses: events or keys.
    var weight: Int {
        switch self {
        case .append(let events, _): max(1, events.count)
        case .markWork(let keys, _): max(1, keys.count)
        case .pruneTasks(let arns, _): max(1, arns.count)
        case .startAttempt, .recordAttempt, .upsertService, .upsertTaskMeta, .pruneEvents, .storeSetting: 1
        }
    }
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
    case done
}
