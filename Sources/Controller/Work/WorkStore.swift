public import ErrorClassification
public import Foundation
public import Journal

/// The durable side of the ``WorkQueue``: where work keys survive a crash.
///
/// Shaped after the journal's work-key API (`JournalStore`), so the journal conforms through a thin
/// adapter; tests use an in-memory store. The queue keeps only scheduling state in memory: generations and attempt
/// counts come from here, so a restart continues where the last process stopped.
///
/// The expected semantics (those of the journal's `work` table):
/// - ``markWork(_:)`` makes each key `pending`, bumps its generation and clears its backoff; a key
///   that was `done` or parked (`failed`) also starts counting attempts from zero.
/// - ``itemToAttempt(key:)`` reads a `pending` or `running` key and returns it, or `nil` when the
///   key is unknown, `done` or parked. It writes nothing: while an attempt runs, the key stays
///   `pending` in the store and only the queue's memory knows that it runs (which keeps it to one
///   worker). That saves one fsync on the path from an event to Consul and loses nothing: after a
///   crash, `pending` keys are resumed, and the outcome is recorded durably by `recordAttempt`.
///   (`running` is found only in a journal written by an older version; it resumes like `pending`.)
/// - ``recordAttempt(key:generation:succeeded:error:errorClass:parked:notBefore:)`` settles a
///   success as `done` only if the generation is unchanged (else it stays `pending`); counts a
///   failure, keeps its message and class, and either parks the key (only if the generation is
///   unchanged) or leaves it `pending` until `notBefore`.
/// - Listing reads pages in key order after the last key of the previous page (keyset pagination),
///   so a caller can walk every key however many there are.
public protocol WorkStore: Sendable {
    /// Durably marks `keys` as needing work.
    func markWork(_ keys: [String]) async throws

    /// Keys a worker should pick up: `pending` ones and `running` ones a previous process left
    /// behind, at most `limit` of them, in key order after `after`.
    func pendingWork(limit: Int, after: String?) async throws -> [WorkItem]

    /// Parked (`failed`) keys, at most `limit` of them, in key order after `after`.
    func failedWork(limit: Int, after: String?) async throws -> [WorkItem]

    /// Reads `key` before an attempt; returns it (with the generation to report back) or `nil` when
    /// there is nothing to do. Writes nothing.
    func itemToAttempt(key: String) async throws -> WorkItem?

    /// Records the outcome of an attempt at `generation` of `key`.
    /// - Parameters:
    ///   - error: The failure's description (`nil` on success).
    ///   - errorClass: The failure's class (`nil` on success).
    ///   - parked: Park the key as failed (a permanent failure).
    ///   - notBefore: Earliest time of the next attempt after a failure that is not parked.
    func recordAttempt(
        key: String, generation: Int64, succeeded: Bool, error: String?, errorClass: ErrorClass?, parked: Bool,
        notBefore: Date?
    ) async throws
}
