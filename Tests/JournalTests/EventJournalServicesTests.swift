import Foundation
import Journal
import Testing

/// Service token state and task metadata.
struct EventJournalServicesTests {
    /// A service record is inserted, then replaced in place.
    @Test func upsertService_whenUpdated_replacesRecord() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        var service = ServiceRecord(name: "web", clusterArn: JournalFixtures.cluster,
                                    updatedAt: Date(timeIntervalSince1970: 1_700_000_000))
        try await journal.upsertService(service)

        // When
        service.accessorID = "0f8a…"
        service.secretArn = "arn:aws:secretsmanager:us-east-1:1:secret:mesh-web"
        service.tokenSHA256 = String(repeating: "ab", count: 32)
        service.lastTaskSeenAt = Date(timeIntervalSince1970: 1_700_000_100.5)
        try await journal.upsertService(service)
        try await journal.upsertService(ServiceRecord(name: "api", clusterArn: JournalFixtures.cluster,
                                                      updatedAt: Date(timeIntervalSince1970: 1)))

        // Then
        #expect(try await journal.service(name: "web") == service)
        #expect(try await journal.services().map(\.name) == ["api", "web"])
        #expect(try await journal.service(name: "none") == nil)
    }

    /// Task metadata round-trips, tags included.
    @Test func upsertTaskMeta_whenStored_readsBack() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        let arn = JournalFixtures.taskArn()
        let meta = TaskMeta(taskArn: arn, mesh: true, serviceName: "web",
                            tags: ["consul.hashicorp.com/mesh": "true", "team": "a"], servicePort: 8080,
                            describedAt: Date(timeIntervalSince1970: 1_700_000_000.25))

        // When
        try await journal.upsertTaskMeta(meta)

        // Then
        #expect(try await journal.taskMeta(arn: arn) == meta)
        #expect(try await journal.taskMeta(arn: "arn:none") == nil)
    }
}
