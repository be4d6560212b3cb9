import Foundation
import Journal
import MeshModel
import Testing

/// Reads of many rows by key in one query each, across the chunk boundary.
struct EventJournalBatchReadTests {
    /// Tasks, their metadata and their work items come back by key for every known key (more keys
    /// than one chunk holds); unknown keys are simply absent.
    @Test func batchReads_whenManyKeys_returnEveryKnownRow() async throws {
        // Given 600 tasks (more than one IN list), metadata for the even ones
        let journal = try JournalFixtures.inMemory()
        let arns = (0..<600).map { JournalFixtures.taskArn("b\($0)") }
        _ = try await journal.append(arns.map { JournalFixtures.event(arn: $0, version: 1) }, receivedAt: Date())
        for (offset, arn) in arns.enumerated() where offset.isMultiple(of: 2) {
            try await journal.upsertTaskMeta(TaskMeta(taskArn: arn, mesh: true, serviceName: "web", describedAt: Date()))
        }
        let unknown = JournalFixtures.taskArn("unknown")

        // When
        let tasks = try await journal.tasks(arns: arns + [unknown])
        let metas = try await journal.taskMeta(arns: arns + [unknown])
        let work = try await journal.workItems(keys: (arns + [unknown]).map { WorkKey.task(arn: $0).rawValue })

        // Then
        #expect(tasks.count == 600 && tasks[unknown] == nil)
        #expect(tasks[arns[599]]?.lastStatus == .running)
        #expect(metas.count == 300 && metas[arns[0]]?.serviceName == "web" && metas[arns[1]] == nil)
        #expect(work.count == 600 && work[WorkKey.task(arn: arns[42]).rawValue]?.state == .pending)
        #expect(try await journal.tasks(arns: []).isEmpty)
    }
}
