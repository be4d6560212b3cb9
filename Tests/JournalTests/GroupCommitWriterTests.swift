import Dispatch
import Foundation
import Glibc
import Journal
import MeshTestSupport
import Synchronization
import Testing

/// The writer's concurrency (`committers`), on its own: the commit is a closure, so what it proves
/// is the queueing, whatever the database.
struct GroupCommitWriterTests {
    /// With two committers, a second batch commits while the first is still committing: the first
    /// commit waits for the second to begin (it would wait out the timeout with one committer).
    @Test func submit_whenTwoCommitters_commitsTwoBatchesAtOnce() async throws {
        // Given
        let overlap = CommitOverlap(needed: 2)
        let writer = GroupCommitWriter<Int, Int>(
            maxBatchWeight: 100, maxQueuedWeight: [.ingest: 100], health: JournalWriteHealth(logger: JournalFixtures.logger),
            committers: 2
        ) { operations in
            overlap.enterAndWait()
            return operations.map { .success($0 * 10) }
        }
        let firstResult = Task { await writer.submit(1, weight: 1, budget: .ingest) }
        #expect(await eventually(interval: .milliseconds(1)) { writer.statistics.inFlightBatches == 1 })

        // When
        let second = await writer.submit(2, weight: 1, budget: .ingest)
        let first = await firstResult.value

        // Then
        #expect(try first.get() == 10)
        #expect(try second.get() == 20)
        #expect(overlap.everyoneMet, "the first commit saw the second begin")
        #expect(writer.statistics.mostBatchesInFlight == 2)
        #expect(writer.statistics.batches == 2)
        await writer.close()
        #expect(await writer.submit(3, weight: 1, budget: .ingest) == .failure(.closed))
    }

    /// close() drains the queue and returns only once every committer thread has ended.
    @Test func close_whenSeveralCommittersAndQueued_drainsAll() async throws {
        // Given
        let committed = Mutex(0)
        let writer = GroupCommitWriter<Int, Int>(
            maxBatchWeight: 4, maxQueuedWeight: [.ingest: 1_000], health: JournalWriteHealth(logger: JournalFixtures.logger),
            committers: 3
        ) { operations in
            committed.withLock { $0 += operations.count }
            return operations.map { .success($0) }
        }
        let submissions = (0..<200).map { value in Task { await writer.submit(value, weight: 1, budget: .ingest) } }

        // When
        for submission in submissions { _ = await submission.value }
        await writer.close()

        // Then
        #expect(committed.withLock { $0 } == 200)
        #expect(writer.statistics.operations == 200)
        #expect(writer.statistics.inFlightBatches == 0)
        #expect(writer.statistics.mostBatchesInFlight <= 3)
    }

    /// A completion runs on the thread that committed its batch, after the commit; a refused
    /// submission (the writer closed) completes at once, on the submitting thread, without a commit.
    /// (Threads are compared by `pthread_self()`: a thread's name can still be its creator's when
    /// read early, which made a name check flaky.)
    @Test func submitWithCompletion_runsOnTheWriterAfterTheCommitOrAtOnceWhenRefused() async throws {
        // Given
        let committingThreads = Mutex<[pthread_t]>([])
        let writer = GroupCommitWriter<Int, Int>(
            maxBatchWeight: 100, maxQueuedWeight: [.ingest: 100], health: JournalWriteHealth(logger: JournalFixtures.logger)
        ) { operations in
            committingThreads.withLock { $0.append(pthread_self()) }
            return operations.map { .success($0 + 1) }
        }

        // When
        let (result, completingThread, commitsBefore) = await withCheckedContinuation { continuation in
            writer.submit(41, weight: 1, budget: .ingest) { result in
                continuation.resume(returning: (result, pthread_self(), committingThreads.withLock { $0 }))
            }
        }
        await writer.close()
        let refusal = Mutex<Result<Int, JournalError>?>(nil)
        let submittingThread = pthread_self()
        let refusingThread = Mutex<pthread_t?>(nil)
        writer.submit(1, weight: 1, budget: .ingest) { result in
            refusal.withLock { $0 = result }
            refusingThread.withLock { $0 = pthread_self() }
        }

        // Then
        #expect(try result.get() == 42)
        #expect(commitsBefore == [completingThread], "completed on the committing thread, after its commit")
        #expect(completingThread != submittingThread)
        #expect(refusal.withLock { $0 } == .failure(.closed), "the refusal completed before submit returned")
        #expect(refusingThread.withLock { $0 } == submittingThread)
        #expect(committingThreads.withLock { $0.count } == 1)
    }
}

/// Holds each commit until `needed` commits have begun, for at most 10 s.
private final class CommitOverlap: Sendable {
    private let needed: Int
    private let entered = Mutex(0)
    private let timedOut = Mutex(false)
    private let gate = DispatchSemaphore(value: 0)

    init(needed: Int) { self.needed = needed }

    /// Whether no commit gave up waiting for the others.
    var everyoneMet: Bool { !timedOut.withLock { $0 } }

    func enterAndWait() {
        let count = entered.withLock { entered -> Int in
            entered += 1
            return entered
        }
        if count == needed {
            for _ in 1..<needed { gate.signal() }
        } else if count < needed, gate.wait(timeout: .now() + 10) == .timedOut {
            timedOut.withLock { $0 = true }
        }
    }
}
