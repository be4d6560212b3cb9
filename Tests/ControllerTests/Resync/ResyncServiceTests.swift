import Foundation
import Journal
import Logging
import MeshTestSupport
import Testing
@testable import Controller

/// Triggering and coalescing of sweeps.
struct ResyncServiceTests {
    /// Requests during a running sweep are coalesced into one follow-up; sweeps never overlap.
    @Test func requestResync_whileSweepRuns_coalescesAndNeverOverlaps() async throws {
        // Given
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let ecs = ResyncFakeECS()
        await ecs.setDelay(.milliseconds(100))
        let work = WorkerRecordingEnqueuer()
        let sweeper = ResyncSweeper(ecs: ecs, catalog: ResyncFakeCatalog(), journal: journal, queue: work,
                                    index: ServiceTaskIndex(),
                                    configuration: .init(clusters: [ResyncSample.cluster]))
        let service = ResyncService(sweeper: sweeper, interval: nil, logger: Logger(label: "test"))
        let runner = Task { try await service.run() }
        defer { runner.cancel() }
        try #require(await eventually { await service.status().running == 1 })
        // When
        let first = await service.requestResync(reason: "a")
        let second = await service.requestResync(reason: "b")
        try #require(await eventually {
            let status = await service.status()
            return status.completedSweeps >= 2 && status.running == nil
        })
        // Then
        #expect(first == ResyncRequestOutcome(sweep: 2, coalesced: true))
        #expect(second == ResyncRequestOutcome(sweep: 2, coalesced: true))
        #expect(await service.status().completedSweeps == 2)
        #expect(await ecs.maxInFlight == 1)
    }
}
