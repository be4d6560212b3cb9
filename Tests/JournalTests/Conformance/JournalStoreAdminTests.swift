import Foundation
import Journal
import MeshModel
import MeshTestSupport
import Testing

/// The shared journal suite: the admin API's reads (filters, keyset pages, short-key lookups, the
/// status summary) on every back end.
struct JournalStoreAdminTests {
    /// Tasks filter by service through their cached metadata, and pages continue after the cursor.
    @Test(arguments: JournalBackendUnderTest.all)
    func adminTasks_whenFilteredAndPaged_returnsMatchingTasksInOrder(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given three tasks, two described as service "web"
            let arns = (0..<3).map { JournalFixtures.taskArn("a\($0)") }.sorted()
            _ = try await journal.append(arns.map { JournalFixtures.event(arn: $0, version: 1) }, receivedAt: Date())
            for arn in arns.prefix(2) {
                try await journal.upsertTaskMeta(TaskMeta(taskArn: arn, mesh: true, serviceName: "web", describedAt: Date()))
            }
            // When
            let web = try await journal.adminTasks(cluster: nil, service: "web", status: nil, limit: 10, after: nil)
            let firstPage = try await journal.adminTasks(cluster: nil, service: nil, status: nil, limit: 2, after: nil)
            let secondPage = try await journal.adminTasks(cluster: nil, service: nil, status: nil, limit: 2,
                                                          after: firstPage.last?.task.taskArn)
            // Then
            #expect(web.map(\.task.taskArn) == Array(arns.prefix(2)))
            #expect(web.allSatisfy { $0.meta?.serviceName == "web" })
            #expect(firstPage.map(\.task.taskArn) + secondPage.map(\.task.taskArn) == arns)
            let lastID = String(try #require(arns[2].split(separator: "/").last))
            #expect(try await journal.adminTasks(id: lastID).map(\.task.taskArn) == [arns[2]])
        }
    }

    /// Services list in name order with the IDs of their live tasks, paged after a name.
    @Test(arguments: JournalBackendUnderTest.all)
    func adminServices_whenPaged_listsLiveTaskIDs(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given service "web" with a running and a stopped task, and service "api"
            let running = JournalFixtures.taskArn("run")
            let stopped = JournalFixtures.taskArn("stop")
            _ = try await journal.append([JournalFixtures.event(arn: running, version: 1),
                                          JournalFixtures.event(arn: stopped, version: 1, status: .stopped,
                                                                desired: .stopped)], receivedAt: Date())
            for arn in [running, stopped] {
                try await journal.upsertTaskMeta(TaskMeta(taskArn: arn, mesh: true, serviceName: "web", describedAt: Date()))
            }
            for name in ["web", "api"] {
                try await journal.upsertService(ServiceRecord(name: name, clusterArn: JournalFixtures.cluster,
                                                              updatedAt: Date()))
            }
            // When
            let all = try await journal.adminServices(limit: 10, after: nil)
            let afterAPI = try await journal.adminServices(limit: 10, after: "api")
            // Then
            #expect(all.map(\.service.name) == ["api", "web"])
            #expect(all.last?.taskIDs == [String(try #require(running.split(separator: "/").last))])
            #expect(afterAPI.map(\.service.name) == ["web"])
        }
    }

    /// Short keys match by prefix and suffix; `%` and `_` in them are literal, not wildcards.
    @Test(arguments: JournalBackendUnderTest.all)
    func workKeys_whenSuffixHasWildcards_matchesLiterally(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            try await journal.markWork(["service:arn:c1/web", "service:arn:c2/web", "service:arn:c1/w_b", "task:arn:c1/abc"])
            // When / Then
            #expect(try await journal.workKeys(prefix: "service:", suffix: "/web").map(\.key)
                        == ["service:arn:c1/web", "service:arn:c2/web"])
            #expect(try await journal.workKeys(prefix: "service:", suffix: "/w_b").map(\.key) == ["service:arn:c1/w_b"])
            #expect(try await journal.workKeys(prefix: "task:", suffix: "/%").isEmpty)
            #expect(try await journal.work(state: .pending, limit: 2, after: "service:arn:c1/web").map(\.key)
                        == ["service:arn:c2/web", "task:arn:c1/abc"])
        }
    }

    /// The summary counts keys by state and knows the newest event and the oldest pending key.
    @Test(arguments: JournalBackendUnderTest.all)
    func adminSummary_whenEventsAndWork_reportsSequenceAgesAndCounts(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let received = Date(timeIntervalSince1970: 1_800_000_000)
            _ = try await journal.append([JournalFixtures.event(arn: JournalFixtures.taskArn(), version: 1)],
                                         receivedAt: received)
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
    }
}
