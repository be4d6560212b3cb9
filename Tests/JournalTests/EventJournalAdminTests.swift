import Foundation
import Journal
import MeshModel
import Synchronization
import Testing

/// The admin API's reads: filters, keyset pages, short-key lookups, the status summary, and the
/// commit observer that feeds the journal metrics.
struct EventJournalAdminTests {
    /// Tasks filter by service through their cached metadata, and pages continue after the cursor.
    @Test func adminTasks_whenFilteredAndPaged_returnsMatchingTasksInOrder() async throws {
        // Given three tasks, two described as service "web"
        let journal = try JournalFixtures.inMemory()
        let arns = (0..<3).map { JournalFixtures.taskArn("a\($0)") }.sorted()
        _ = try await journal.append(arns.map { JournalFixtures.event(arn: $0, version: 1) }, receivedAt: Date())
        for arn in arns.prefix(2) {
            try await journal.upsertTaskMeta(TaskMeta(taskArn: arn, mesh: true, serviceName: "web", describedAt: Date()))
        }
        // When
        let web = try await journal.adminTasks(service: "web", limit: 10)
        let firstPage = try await journal.adminTasks(limit: 2)
        let secondPage = try await journal.adminTasks(limit: 2, after: firstPage.last?.task.taskArn)
        // Then
        #expect(web.map(\.task.taskArn) == Array(arns.prefix(2)))
        #expect(web.allSatisfy { $0.meta?.serviceName == "web" })
        #expect(firstPage.map(\.task.taskArn) + secondPage.map(\.task.taskArn) == arns)
        #expect(try await journal.adminTasks(id: String(arns[2].split(separator: "/").last!)).map(\.task.taskArn) == [arns[2]])
    }

    /// Short keys match by prefix and suffix; `%` and `_` in them are literal, not wildcards.
    @Test func workKeys_whenSuffixHasWildcards_matchesLiterally() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        try await journal.markWork(["service:arn:c1/web", "service:arn:c2/web", "service:arn:c1/w_b", "task:arn:c1/abc"])
        // When / Then
        #expect(try await journal.workKeys(prefix: "service:", suffix: "/web").map(\.key) == ["service:arn:c1/web", "service:arn:c2/web"])
        #expect(try await journal.workKeys(prefix: "service:", suffix: "/w_b").map(\.key) == ["service:arn:c1/w_b"])
        #expect(try await journal.workKeys(prefix: "task:", suffix: "/%").isEmpty)
        #expect(try await journal.work(state: .pending, limit: 2, after: "service:arn:c1/web").map(\.key) == ["service:arn:c2/web", "task:arn:c1/abc"])
    }

    /// The summary counts keys by state and knows the newest event and the oldest pending key.
    @Test func adminSummary_whenEventsAndWork_reportsSequenceAgesAndCounts() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        let received = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try await journal.append([JournalFixtures.event(arn: JournalFixtures.taskArn(), version: 1)], receivedAt: received)
        try await journal.markWork(["service:x/y"], at: Date(timeIntervalSince1970: 1_700_000_000))
        // When
        let summary = try await journal.adminSummary()
        // Then
        #expect(summary.lastSequence == 1)
        #expect(summary.lastEventReceivedAt == received)
        #expect(summary.workCounts[.pending] == 2)
        #expect(summary.oldestPendingSince == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(summary.databaseBytes > 0)
    }

    /// The commit observer hears about each transaction of a file journal with its batch size.
    @Test func commitObserver_whenEventsCommitted_reportsEachTransaction() async throws {
        // Given
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        let reports = Mutex<[JournalCommitReport]>([])
        var configuration = JournalConfiguration(path: path)
        configuration.commitObserver = { report in reports.withLock { $0.append(report) } }
        let journal = try EventJournal(configuration: configuration, logger: JournalFixtures.logger)
        // When
        _ = try await journal.append([JournalFixtures.event(arn: JournalFixtures.taskArn(), version: 1),
                                      JournalFixtures.event(arn: JournalFixtures.taskArn(), version: 1)], receivedAt: Date())
        await journal.close()
        // Then
        let seen = reports.withLock { $0 }
        #expect(seen.count == 1)
        #expect(seen.first?.operations == 1, "one append operation carrying two events")
        #expect(seen.first?.succeeded == true)
        #expect((seen.first?.duration ?? .zero) > .zero)
    }
}
