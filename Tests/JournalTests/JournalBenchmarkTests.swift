import Foundation
import Journal
import MeshModel
import Testing

/// Throughput of the group-commit writer. Prints numbers instead of asserting a rate, which would be
/// flaky on shared machines:
///
/// ```sh
/// BENCH=1 swift test -c release --filter JournalBenchmarkTests   # BENCH_EVENTS=800 per appender
/// ```
///
/// Each of 128 appenders has one event in flight, so a batch holds at most 128 events and the rate
/// is bounded by 128 / (commit latency): the writer's SQL work for the batch plus one fsync.
struct JournalBenchmarkTests {
    /// 128 concurrent appenders of single events against a file-backed journal.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["BENCH"] == "1"))
    func append_when128ConcurrentAppenders_reportsEventsPerSecond() async throws {
        // Given
        let appenders = 128
        let eventsPerAppender = Int(ProcessInfo.processInfo.environment["BENCH_EVENTS"] ?? "") ?? 800
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        let journal = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)
        let workload = (0..<appenders).map { appender in
            let arn = JournalFixtures.taskArn("bench\(appender)")
            return (1...eventsPerAppender).map { JournalFixtures.event(arn: arn, version: Int64($0)) }
        }

        // When
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for events in workload {
                group.addTask {
                    for event in events {
                        _ = try await journal.append([event], receivedAt: Date())
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start

        // Then
        let statistics = journal.statistics
        let total = appenders * eventsPerAppender
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("""
            journal bench: \(total) events, \(appenders) appenders, \(String(format: "%.2f", seconds)) s, \
            \(Int(Double(total) / seconds)) events/s, \(statistics.commits) commits, \
            \(String(format: "%.1f", Double(total) / Double(statistics.commits))) events/commit, \
            largest batch \(statistics.largestBatch)
            """)
        #expect(statistics.committedEvents == total)
        #expect(try await journal.lastSequence() == Int64(total))
        await journal.close()
    }
}
