public import ErrorClassification
public import Foundation
public import MeshModel

/// The short forms callers use: the work-recording writes without a fence (`fence: nil`: ingest,
/// heartbeats, the admin API, tests) and the usual defaults. Requirements cannot carry default
/// arguments, so they live here, under label sets of their own.
extension JournalStore {
    /// ``observe(_:source:observedAt:fence:)`` without a fence, labelled ``JournalDefaults/resyncSource`` by default.
    public func observe(_ changes: [TaskStateChange], source: String = JournalDefaults.resyncSource,
                        observedAt: Date) async throws(JournalError) -> [AppendResult] {
        try await observe(changes, source: source, observedAt: observedAt, fence: nil)
    }

    /// ``prune(before:chunk:fence:)`` without a fence.
    public func prune(before cutoff: Date,
                      chunk: Int = JournalDefaults.pruneChunk) async throws(JournalError) -> JournalPruneReport {
        try await prune(before: cutoff, chunk: chunk, fence: nil)
    }

    /// ``markWork(_:at:fence:)`` without a fence.
    public func markWork(_ keys: [String], at date: Date = Date()) async throws(JournalError) {
        try await markWork(keys, at: date, fence: nil)
    }

    /// ``recordAttempt(key:generation:succeeded:error:errorClass:parked:notBefore:at:fence:)`` without a fence.
    @discardableResult
    public func recordAttempt(key: String, generation: Int64, succeeded: Bool, error: String?,
                              errorClass: ErrorClass? = nil, parked: Bool, notBefore: Date?,
                              at date: Date = Date()) async throws(JournalError) -> WorkItem? {
        try await recordAttempt(key: key, generation: generation, succeeded: succeeded, error: error,
                                errorClass: errorClass, parked: parked, notBefore: notBefore, at: date, fence: nil)
    }

    /// ``work(state:limit:after:)`` from the first key.
    public func work(state: WorkState?, limit: Int) async throws(JournalError) -> [WorkItem] {
        try await work(state: state, limit: limit, after: nil)
    }

    /// ``upsertService(_:fence:)`` without a fence.
    public func upsertService(_ service: ServiceRecord) async throws(JournalError) {
        try await upsertService(service, fence: nil)
    }

    /// ``upsertTaskMeta(_:fence:)`` without a fence.
    public func upsertTaskMeta(_ meta: TaskMeta) async throws(JournalError) {
        try await upsertTaskMeta(meta, fence: nil)
    }

    /// ``storeSetting(_:value:at:fence:)`` without a fence.
    public func storeSetting(_ name: String, value: String, at date: Date = Date()) async throws(JournalError) {
        try await storeSetting(name, value: value, at: date, fence: nil)
    }

    /// ``recordHealth(_:wakeKey:fence:)`` without a fence (a heartbeat's own transition).
    @discardableResult
    public func recordHealth(_ record: TaskHealthRecord, wakeKey: String) async throws(JournalError) -> Bool {
        try await recordHealth(record, wakeKey: wakeKey, fence: nil)
    }
}

/// Values every journal shares.
public enum JournalDefaults {
    /// The `source` label of rows written by resync's observations.
    public static let resyncSource = "resync"
    /// Rows per retention delete: a few milliseconds of writer time.
    public static let pruneChunk = 500
}
