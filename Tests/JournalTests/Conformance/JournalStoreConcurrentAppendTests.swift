import Foundation
import Journal
import MeshModel
import MeshTestSupport
import Testing

/// The shared journal suite: appends of the same tasks from many callers at once. The suite's
/// PostgreSQL journal commits three batches at once (`concurrentCommits`), so batches of one task
/// meet at its advisory lock; the SQLite journal has one writer. Either way each task's
/// rows must read as if folded one after the other in sequence order.
struct JournalStoreConcurrentAppendTests {
    /// Sixty callers at once, each with an event of two shared tasks (versions 1…30, each twice, the
    /// two tasks in either order): every outcome is the one a fold in sequence order gives, callers
    /// are told what was journaled, and each task ends at its newest version.
    @Test(arguments: JournalBackendUnderTest.all)
    func append_whenManyCallersShareTasks_foldsEachTaskInSequenceOrder(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let first = JournalFixtures.taskArn("shared-a")
            let second = JournalFixtures.taskArn("shared-b")
            let callers = 60

            // When
            let results = try await withThrowingTaskGroup(of: [AppendResult].self) { group in
                for caller in 0..<callers {
                    let version = Int64(caller / 2 + 1)
                    let arns = caller.isMultiple(of: 2) ? [first, second] : [second, first]
                    group.addTask {
                        try await journal.append(arns.map { JournalFixtures.event(arn: $0, version: version) },
                                                 receivedAt: Date())
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }

            // Then
            #expect(results.count == 2 * callers)
            #expect(Set(results.map(\.sequence)).count == 2 * callers, "every event has a sequence of its own")
            let told = Dictionary(uniqueKeysWithValues: results.map { ($0.sequence, $0.outcome) })
            for arn in [first, second] {
                let entries = try await journal.entries(forTask: arn, limit: 200).sorted { $0.sequence < $1.sequence }
                #expect(entries.count == callers)
                var newest: Int64 = 0
                for entry in entries {
                    let expected: FoldOutcome = entry.version > newest ? .applied
                        : entry.version == newest ? .duplicate : .stale
                    #expect(entry.outcome == expected, "sequence \(entry.sequence), version \(entry.version)")
                    #expect(told[entry.sequence] == entry.outcome, "the caller was told what was journaled")
                    newest = max(newest, entry.version)
                }
                #expect(try await journal.task(arn: arn)?.version == Int64(callers / 2))
            }
        }
    }
}
