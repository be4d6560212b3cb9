import Foundation
import Journal
import Logging
import MeshModel
import Testing
@testable import Controller

struct JournalRetentionTests {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func event(arn: String, version: Int64) -> DecodedEvent {
        let change = TaskStateChange(
            eventID: UUID().uuidString, taskArn: arn, clusterArn: "arn:aws:ecs:us-east-1:111122223333:cluster/apps",
            taskDefinitionArn: nil, group: "service:web", lastStatus: .running, desiredStatus: .running,
            version: version, address: nil, containers: [], updatedAt: nil)
        return DecodedEvent(change: change, rawJSON: Array(#"{"detail":{}}"#.utf8))
    }

    private func retention(_ journal: EventJournal, metrics: ControllerMetrics? = nil) -> JournalRetention {
        let now = now
        return JournalRetention(retention: .seconds(14 * 86400), interval: .seconds(3600), journal: journal,
                                metrics: metrics, now: { now }, logger: Logger(label: "test"))
    }

    /// A pass deletes what is older than the retention, as seen from its clock, and counts it.
    @Test func pass_deletesEventsOlderThanRetention_andCountsThem() async throws {
        // Given: two events 20 days old and one an hour old, by the service's clock
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let arn = "arn:aws:ecs:us-east-1:111122223333:task/apps/\(UUID().uuidString)"
        _ = try await journal.append([event(arn: arn, version: 1), event(arn: arn, version: 2)],
                                     receivedAt: now.addingTimeInterval(-20 * 86400))
        _ = try await journal.append([event(arn: arn, version: 3)], receivedAt: now.addingTimeInterval(-3600))
        let metrics = ControllerMetrics()

        // When
        let report = await retention(journal, metrics: metrics).pass()

        // Then
        #expect(report == JournalPruneReport(events: 2, tasks: 0))
        #expect(try await journal.entries(after: 0, limit: 10).map(\.version) == [3])
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(text.contains(#"mesh_journal_pruned_rows_total{table="events"} 2"#))
        #expect(text.contains(#"mesh_journal_pruned_rows_total{table="tasks"} 0"#))
    }

    /// A journal that cannot be written makes the pass fail softly: `nil`, logged, the service lives on.
    @Test func pass_whenJournalClosed_returnsNil() async throws {
        // Given
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let arn = "arn:aws:ecs:us-east-1:111122223333:task/apps/\(UUID().uuidString)"
        _ = try await journal.append([event(arn: arn, version: 1), event(arn: arn, version: 2)],
                                     receivedAt: now.addingTimeInterval(-20 * 86400))
        await journal.close()

        // When / Then
        #expect(await retention(journal).pass() == nil)
    }

    /// `retentionDays` 0 keeps everything: no service at all.
    @Test func init_whenRetentionDaysZero_isNil() throws {
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        var configuration = MeshConfiguration.Journal()
        configuration.retentionDays = 0
        #expect(JournalRetention(configuration: configuration, journal: journal, metrics: nil,
                                 logger: Logger(label: "test")) == nil)
        configuration.retentionDays = 7
        configuration.pruneIntervalSeconds = 600
        let service = try #require(JournalRetention(configuration: configuration, journal: journal, metrics: nil,
                                                    logger: Logger(label: "test")))
        #expect(service.retention == .seconds(7 * 86400))
        #expect(service.interval == .seconds(600))
    }
}
