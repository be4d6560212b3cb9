public import Foundation
public import Journal

/// The ``WorkStore`` over the journal's `work` table: keys survive crashes because the journal
/// fsyncs every write before it returns.
public struct JournalWorkStore: WorkStore {
    private let journal: EventJournal

    public init(journal: EventJournal) {
        self.journal = journal
    }

    public func markWork(_ keys: [String]) async throws {
        try await journal.markWork(keys)
    }

    public func pendingWork(limit: Int) async throws -> [WorkItem] {
        try journal.pendingWork(limit: limit)
    }

    public func failedWork(limit: Int) async throws -> [WorkItem] {
        try journal.work(state: .failed, limit: limit)
    }

    public func startAttempt(key: String) async throws -> WorkItem? {
        try await journal.startAttempt(key: key)
    }

    public func recordAttempt(
        key: String, generation: Int64, succeeded: Bool, error: String?, parked: Bool, notBefore: Date?
    ) async throws {
        try await journal.recordAttempt(key: key, generation: generation, succeeded: succeeded, error: error,
                                        parked: parked, notBefore: notBefore)
    }
}
