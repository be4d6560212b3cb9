import Foundation
import Journal
import MeshModel
import MeshTestSupport
import PostgresJournal
import Testing

/// Ingest throughput and latency of the PostgreSQL journal. Prints numbers instead of asserting a
/// rate, which would be flaky on shared machines:
///
/// ```sh
/// BENCH=1 swift test -c release --filter PostgresJournalBenchmarkTests   # BENCH_SECONDS=10
/// ```
///
/// 32 appenders (the issue's 32 connections) each keep one single-event append in flight, each
/// event of its own task (new tasks and updates mixed as in a storm), for a fixed time.
struct PostgresJournalBenchmarkTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["BENCH"] == "1" && PostgresJournalTesting.isEnabled))
    func append_when32ConcurrentAppenders_reportsEventsPerSecondAndP99() async throws {
        let appenders = 32
        let seconds = Double(ProcessInfo.processInfo.environment["BENCH_SECONDS"] ?? "") ?? 10
        try await PostgresJournalTesting.withJournal { journal in
            let start = ContinuousClock.now
            let deadline = start + .milliseconds(Int64(seconds * 1000))
            let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
                for appender in 0..<appenders {
                    group.addTask {
                        var latencies: [Duration] = []
                        var version: Int64 = 0
                        var arn = PostgresJournalTesting.taskArn("bench\(appender)")
                        while ContinuousClock.now < deadline {
                            version += 1
                            if version > 4 {  // a task lives for four events, then a new one starts
                                version = 1
                                arn = PostgresJournalTesting.taskArn("bench\(appender)")
                            }
                            let sent = ContinuousClock.now
                            _ = try await journal.append([PostgresJournalTesting.event(arn: arn, version: version)],
                                                         receivedAt: Date())
                            latencies.append(ContinuousClock.now - sent)
                        }
                        return latencies
                    }
                }
                return try await group.reduce(into: [Duration]()) { $0 += $1 }.sorted()
            }
            let elapsed = ContinuousClock.now - start
            let total = latencies.count
            let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            func percentile(_ p: Double) -> String {
                let value = latencies[min(total - 1, Int(Double(total) * p))]
                return String(format: "%.1f", Double(value.components.attoseconds) / 1e15 + Double(value.components.seconds) * 1000)
            }
            let statistics = journal.statistics
            print("""
                postgres journal bench: \(total) events, \(appenders) appenders, \(String(format: "%.2f", wall)) s, \
                \(Int(Double(total) / wall)) events/s, p50 \(percentile(0.5)) ms, p99 \(percentile(0.99)) ms, \
                max \(percentile(1)) ms, \(statistics.commits) commits, \
                \(String(format: "%.1f", Double(total) / Double(max(1, statistics.commits)))) events/commit
                """)
            #expect(statistics.committedEvents == total)
        }
    }
}
