import Foundation
import Journal
import MeshModel
import MeshTestSupport
import Synchronization
import Testing

/// The single writer: batching, backpressure, draining on close.
struct EventJournalGroupCommitTests {
    /// 200 concurrent single-event appends share transactions (file-backed, real fsync).
    @Test func append_whenManyConcurrent_commitsInFewerTransactions() async throws {
        // Given
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        let journal = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)
        let arns = (0..<200).map { JournalFixtures.taskArn("c\($0)") }

        // When
        let sequences = try await withThrowingTaskGroup(of: Int64.self) { group in
            for arn in arns {
                group.addTask {
                    try await journal.append([JournalFixtures.event(arn: arn, version: 1)], receivedAt: Date())[0].sequence
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }

        // Then
        let statistics = journal.statistics
        #expect(Set(sequences) == Set(1...200))
        #expect(statistics.committedEvents == 200)
        #expect(statistics.commits < 200)
        #expect(statistics.largestBatch > 1)
        #expect(try await journal.tasks(limit: 1000).count == 200)
        await journal.close()
    }

    /// Beyond maxQueuedEvents, append fails at once with a retryable .overloaded; accepted ones commit.
    @Test func append_whenQueueFull_throwsOverloaded() async throws {
        // Given: a large batch keeps the writer busy while small appends arrive
        let journal = try JournalFixtures.inMemory(maxBatchSize: 50_000, maxQueuedEvents: 20)
        let bigArn = JournalFixtures.taskArn("big")
        let big = (1...20_000).map { JournalFixtures.event(arn: bigArn, version: Int64($0)) }
        let bigAppend = Task { try await journal.append(big, receivedAt: Date()) }
        #expect(await eventually(interval: .milliseconds(1)) { journal.statistics.inFlightEvents == 20_000 })

        // When
        let outcomes = await withTaskGroup(of: Result<[AppendResult], JournalError>.self) { group in
            for index in 0..<60 {
                group.addTask {
                    do throws(JournalError) {
                        return .success(try await journal.append(
                            [JournalFixtures.event(arn: JournalFixtures.taskArn("s\(index)"), version: 1)],
                            receivedAt: Date()))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }

        // Then
        let failures = outcomes.compactMap { outcome -> JournalError? in
            if case .failure(let error) = outcome { return error }
            return nil
        }
        #expect(failures.count == 40)
        #expect(failures.allSatisfy { $0 == .overloaded && $0.isRetryable })
        #expect(try await bigAppend.value.count == 20_000)
        #expect(try await journal.lastSequence() == 20_020)
    }

    /// close() commits everything already queued, then later appends throw .closed.
    @Test func close_whenAppendsQueued_drainsThemThenRejects() async throws {
        // Given
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        // (the first batch's commit observer holds the writer thread until released, so the appends
        // below queue behind it whatever the machine's load)
        let gate = WriterGate()
        var configuration = JournalConfiguration(path: path)
        configuration.commitObserver = { _ in gate.holdFirstBatch() }
        let journal = try EventJournal(configuration: configuration, logger: JournalFixtures.logger)
        let bigArn = JournalFixtures.taskArn("big")
        let big = (1...5_000).map { JournalFixtures.event(arn: bigArn, version: Int64($0)) }
        let bigAppend = Task { try await journal.append(big, receivedAt: Date()) }
        // Polled every millisecond: these states last only as long as the big batch's commit.
        #expect(await eventually(interval: .milliseconds(1)) { journal.statistics.inFlightEvents > 0 })
        let queued = (0..<20).map { index in
            Task { try await journal.append([JournalFixtures.event(arn: JournalFixtures.taskArn("q\(index)"), version: 1)],
                                            receivedAt: Date()) }
        }
        #expect(await eventually(interval: .milliseconds(1)) { journal.statistics.queuedEvents == 20 })

        // When
        let closing = Task { await journal.close() }
        gate.release()
        await closing.value

        // Then
        #expect(try await bigAppend.value.count == 5_000)
        for task in queued {
            #expect(try await task.value.first?.outcome == .applied)
        }
        let error = await #expect(throws: JournalError.self) {
            try await journal.append([JournalFixtures.event(arn: bigArn, version: 9_999)], receivedAt: Date())
        }
        #expect(error == .closed)
        await #expect(throws: JournalError.closed) { try await journal.lastSequence() }
        let reopened = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)
        #expect(try await reopened.lastSequence() == 5_020)
        await reopened.close()
    }

    /// Bookkeeping queued behind a commit drains in batches of at most 64 background operations,
    /// and the events queued among it ride in the first of them instead of waiting behind it all.
    @Test func markWork_whenManyQueuedAmongAppends_batchesAtMost64AndAppendsGoFirst() async throws {
        // Given: the first batch's commit observer holds the writer thread, so everything below queues
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        let gate = WriterGate()
        let batches = Mutex<[Int]>([])
        var configuration = JournalConfiguration(path: path)
        configuration.commitObserver = { report in
            batches.withLock { $0.append(report.operations) }
            gate.holdFirstBatch()
        }
        let journal = try EventJournal(configuration: configuration, logger: JournalFixtures.logger)
        let first = Task { try await journal.markWork(["task:first"]) }
        #expect(await eventually(interval: .milliseconds(1)) { journal.statistics.inFlightEvents == 1 })
        let marks = (0..<200).map { index in Task { try await journal.markWork(["task:m\(index)"]) } }
        let appends = (0..<10).map { index in
            Task { try await journal.append([JournalFixtures.event(arn: JournalFixtures.taskArn("a\(index)"), version: 1)],
                                           receivedAt: Date()) }
        }
        let allQueued = await eventually(interval: .milliseconds(1)) { journal.statistics.queuedEvents == 210 }

        // When
        gate.release()
        try await first.value
        for task in marks { try await task.value }
        for task in appends { _ = try await task.value }

        // Then: 1 held; 64 marks with all 10 events; then the other 136 marks, 64 at a time
        #expect(allQueued)
        #expect(batches.withLock { $0 } == [1, 74, 64, 64, 8])
        #expect(try await journal.workItems(keys: (0..<200).map { "task:m\($0)" }).count == 200)
        await journal.close()
    }
}

/// Holds the writer thread in the first batch's commit observer until released.
private final class WriterGate: Sendable {
    private let first = Mutex(true)
    private let gate = DispatchSemaphore(value: 0)

    func holdFirstBatch() {
        let isFirst = first.withLock { first -> Bool in
            defer { first = false }
            return first
        }
        if isFirst { gate.wait() }
    }

    func release() { gate.signal() }
}
