import Journal

extension EventJournal {
    /// Every journal row, paged through in sequence order.
    func allEntries(pageSize: Int = 5000) async throws -> [JournalEntry] {
        var entries: [JournalEntry] = []
        var after: Int64 = 0
        while true {
            let page = try await self.entries(after: after, limit: pageSize)
            guard let last = page.last else { return entries }
            entries.append(contentsOf: page)
            after = last.sequence
        }
    }
}
