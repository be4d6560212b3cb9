import AsyncHTTPClient
import Foundation
import Journal
import Logging
import MeshModel
import Synchronization
import Testing
@testable import Controller

/// A replica's new term as leader starts without what its workers remembered from an earlier term:
/// another leader acted in between (issue #14).
struct WorkersTermStartTests {
    private static let cluster = "arn:aws:ecs:us-east-1:123456789012:cluster/apps"

    private static func configuration() -> MeshConfiguration {
        var configuration = MeshConfiguration()
        configuration.webhook.apiKey = "term-start-key-0123456789"
        configuration.webhook.allowedClusters = [cluster]
        configuration.aws.region = "us-east-1"
        configuration.aws.endpointURL = "http://127.0.0.1:9"
        configuration.consul.httpAddr = "http://127.0.0.1:9"
        return configuration
    }

    private static func task(_ id: String) -> String { "arn:aws:ecs:us-east-1:123456789012:task/apps/\(id)" }

    /// Journals a running mesh task of `service`.
    private static func journalRunning(_ arn: String, service: String, in journal: EventJournal) async throws {
        let change = TaskStateChange(eventID: UUID().uuidString, taskArn: arn, clusterArn: cluster,
                                     lastStatus: .running, desiredStatus: .running, version: 1)
        _ = try await journal.append([DecodedEvent(change: change, rawJSON: Array("{}".utf8))], receivedAt: Date())
        try await journal.upsertTaskMeta(TaskMeta(taskArn: arn, mesh: true, serviceName: service, describedAt: Date()))
    }

    /// prepare() forgets the verified services, the resync's absence counts and the index's tasks
    /// (a task the journal no longer holds leaves its service empty), then rebuilds the index from
    /// the journal.
    @Test func prepare_afterAnEarlierTerm_forgetsWhatThatTermRemembered() async throws {
        // Given workers that remember an earlier term: a verified token, an absent task, and a live
        // task of "gone" that the journal no longer holds (purged while another replica led)
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        let workers = try ControllerWorkers.make(configuration: Self.configuration(), environment: [:], journal: journal,
                                                 httpClient: httpClient, logger: Logger(label: "test"))
        let sweeper = try #require(workers.resync?.sweeper)
        try await Self.journalRunning(Self.task("web-1"), service: "web", in: journal)
        let gone = MeshServiceRef(clusterArn: Self.cluster, name: "gone")
        workers.index.update(taskArn: Self.task("gone-1"), service: gone, alive: true)
        workers.verified.insert("web", clusters: [Self.cluster])
        workers.verified.insert("gone", clusters: [Self.cluster])
        sweeper.absence.withLock { $0[Self.task("web-1")] = 1 }

        // When the next term prepares
        try await workers.prepare()

        // Then nothing of that is left, and the index holds what the journal holds
        #expect(workers.verified.count == 0)
        #expect(!workers.verified.contains("web", clusters: [Self.cluster]))
        #expect(sweeper.absence.withLock { $0.isEmpty })
        #expect(workers.index.liveTasks(of: gone) == 0)
        #expect(workers.index.liveClusters(ofService: "web") == [Self.cluster])
        #expect(workers.index.liveTaskCount == 1)
        #expect(workers.catalogWriteLog.count == 0)
        await journal.close()
        try await httpClient.shutdown()
    }
}
