public import ErrorClassification
public import Foundation
public import Journal

/// The ``WorkStore`` over the journal's `work` table: keys survive crashes because the journal
/// fsyncs every write before it returns. Starting an attempt is a read (see ``WorkStore``).
///
/// Recording an attempt records work: it passes the ``WorkFence`` to the journal, which asks it
/// before queueing the write (and a shared journal checks the epoch in the transaction), so a
/// replica that no longer leads records nothing (the key stays pending for the leader,
/// level-triggered; the journal throws ``JournalError/fenced``, a transient error).
public struct JournalWorkStore: WorkStore {
    private let journal: any JournalStore
    private let fence: (any WorkFence)?

    /// - Parameter fence: Checked before every attempt is recorded; `nil` records unconditionally.
    public init(journal: any JournalStore, fence: (any WorkFence)? = nil) {
        self.journal = journal
        self.fence = fence
    }

    public func markWork(_ keys: [String]) async throws {
        try await journal.markWork(keys)
    }

    public func pendingWork(limit: Int, after: String?) async throws -> [WorkItem] {
        try await journal.pendingWork(limit: limit, after: after)
    }

    public func failedWork(limit: Int, after: String?) async throws -> [WorkItem] {
        try await journal.work(state: .failed, limit: limit, after: after)
    }

    public func itemToAttempt(key: String) async throws -> WorkItem? {
        guard let item = try await journal.workItem(key: key), item.state == .pending || item.state == .running else {
            return nil
        }
        return item
    }

    public func recordAttempt(
        key: String, generation: Int64, succeeded: Bool, error: String?, errorClass: ErrorClass?, parked: Bool,
        notBefore: Date?
    ) async throws {
        try await journal.recordAttempt(key: key, generation: generation, succeeded: succeeded, error: error,
                                        errorClass: errorClass, parked: parked, notBefore: notBefore, at: Date(),
                                        fence: fence)
    }
}
