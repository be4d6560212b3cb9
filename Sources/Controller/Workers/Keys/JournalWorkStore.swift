public import ErrorClassification
public import Foundation
public import Journal

/// The ``WorkStore`` over the journal's `work` table: keys survive crashes because the journal
/// fsyncs every write before it returns. Starting an attempt is a read (see ``WorkStore``).
public struct JournalWorkStore: WorkStore {
    private let journal: EventJournal

    public init(journal: EventJournal) {
        self.journal = journal
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
                                        errorClass: errorClass, parked: parked, notBefore: notBefore)
    }
}
