import Foundation
import GRDB
@testable import Journal
import MeshModel
import MeshTestSupport
import Synchronization
import Testing

/// The journal fails safe: a fatal write failure stops acknowledgement for good, a lock held by
/// another connection costs a batch a quick retryable failure, a corrupt file refuses to open, and
/// ingest cannot use up the workers' budget.
struct EventJournalFailSafeTests {
    /// When the database cannot grow (as on a full disk), the failing batch gets a retryable
    /// .unavailable carrying SQLITE_FULL, and the writer stops: every later write fails with .stopped.
    @Test func append_whenDatabaseFull_stopsEveryLaterWrite() async throws {
        // Given: a database capped at a few pages, and one acknowledged event
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        var configuration = JournalConfiguration(path: path)
        configuration.maxPageCount = 40
        let journal = try EventJournal(configuration: configuration, logger: JournalFixtures.logger)
        let committedBefore = try await journal.append(
            [JournalFixtures.event(arn: JournalFixtures.taskArn(), version: 1)], receivedAt: Date())
        #expect(journal.writeStatus == .healthy)

        // When: appending until the cap is hit
        var failure: JournalError?
        for round in 0..<100 where failure == nil {
            let events = (0..<50).map { JournalFixtures.event(arn: JournalFixtures.taskArn("full\(round)-\($0)"), version: 1) }
            do {
                _ = try await journal.append(events, receivedAt: Date())
            } catch {
                failure = error
            }
        }

        // Then: the failing batch is told to retry elsewhere, and the journal has stopped
        #expect(failure == .unavailable)
        #expect(failure?.isRetryable == true)
        #expect(failure?.extendedResultCode == 13, "SQLITE_FULL")
        guard case .stopped(let reason) = journal.writeStatus else {
            Issue.record("expected stopped, got \(journal.writeStatus)")
            return
        }
        #expect(reason == .stopped)
        #expect(reason.extendedResultCode == 13)
        #expect(await journal.writesStopped() == .stopped)

        // And nothing more is written, by any path, however small
        let later = await #expect(throws: JournalError.self) {
            try await journal.append([JournalFixtures.event(arn: JournalFixtures.taskArn("later"), version: 1)],
                                     receivedAt: Date())
        }
        #expect(later == .stopped)
        #expect(later?.isRetryable == true)
        await #expect(throws: JournalError.stopped) { try await journal.markWork(["service:web"]) }
        let health = TaskHealthRecord(taskArn: committedBefore[0].taskArn, health: TaskHealth(phase: .reporting, containers: [:]),
                                      revision: 1, changedAt: Date())
        await #expect(throws: JournalError.stopped) { try await journal.recordHealth(health, wakeKey: "task:x") }
        #expect(try await journal.integrityCheck())
        #expect(try await journal.entries(after: 0, limit: 1).map(\.sequence) == committedBefore.map(\.sequence))
        await journal.close()
    }

    /// writesStopped() waits while the journal is healthy and returns nil when its task is cancelled.
    @Test func writesStopped_whenHealthyAndCancelled_returnsNil() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        let waiter = Task { await journal.writesStopped() }

        // When
        try await journal.markWork(["service:web"])
        waiter.cancel()

        // Then
        #expect(await waiter.value == nil)
        #expect(journal.writeStatus == .healthy)
        await journal.close()
    }

    /// Another connection holding the write lock makes the writer's batch fail fast with a
    /// retryable .unavailable (SQLITE_BUSY) instead of stalling for seconds; the journal is `failing`,
    /// not stopped, and healthy again once the lock is released.
    @Test(.timeLimit(.minutes(1)))
    func write_whenAnotherConnectionHoldsTheLock_failsFastAndRecovers() async throws {
        // Given: a journal, and a second connection in a write transaction (an operator's sqlite3 shell)
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        let journal = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)
        try await journal.markWork(["service:before"])
        let holder = try LockHolder(path: path)
        defer { holder.release() }

        // When
        let error = await #expect(throws: JournalError.self) { try await journal.markWork(["service:during"]) }

        // Then: the writer waits its own 100 ms for the lock, not the 2 s that opening may wait (read
        // from the connection rather than timed, so a loaded machine cannot fail it)
        #expect(error == .unavailable)
        #expect(error.map { ($0.extendedResultCode ?? 0) & 0xFF } == 5, "SQLITE_BUSY: \(String(describing: error))")
        let writerBusyMillis = try await journal.dbWriter.writeWithoutTransaction {
            try Int.fetchOne($0, sql: "PRAGMA busy_timeout")
        }
        #expect(writerBusyMillis == Int(JournalConfiguration.writerBusyTimeout / .milliseconds(1)))
        #expect(journal.writeStatus == .failing(.unavailable))
        #expect(await journal.probeWrites() == .failing(.unavailable), "the lock is still held")

        // When the lock is released
        holder.release()

        // Then
        #expect(await journal.probeWrites() == .healthy)
        try await journal.markWork(["service:after"])
        #expect(try await journal.workItem(key: "service:after")?.state == .pending)
        #expect(try await journal.workItem(key: "service:during") == nil)
        await journal.close()
    }

    /// A file whose pages were damaged refuses to open with .corrupt instead of serving.
    @Test func open_whenFileCorrupt_throwsCorrupt() async throws {
        // Given: a journal with a few hundred events, closed, its WAL copied into the file
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        let journal = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)
        let events = (0..<400).map { JournalFixtures.event(arn: JournalFixtures.taskArn("c\($0)"), version: 1) }
        _ = try await journal.append(events, receivedAt: Date())
        await journal.close()
        let checkpoint = try DatabaseQueue(path: path)
        try await checkpoint.writeWithoutTransaction { _ = try $0.checkpoint(.truncate) }
        try checkpoint.close()

        // When: garbage overwrites pages in the middle of the file, as a torn or lost write would leave it
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        let size = try handle.seekToEnd()
        #expect(size > 16 * 4096)
        try handle.seek(toOffset: 8 * 4096)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 4 * 4096))
        try handle.close()

        // Then
        let error = #expect(throws: JournalError.self) {
            _ = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)
        }
        #expect(error == .corrupt, "\(String(describing: error))")
    }

    /// An ingest flood that fills its budget (429) leaves the workers' writes their own room.
    @Test func markWork_whenIngestBudgetFull_isAccepted() async throws {
        // Given: a large batch keeps the writer busy and ingest's budget of 20 is full
        let journal = try JournalFixtures.inMemory(maxBatchSize: 50_000, maxQueuedEvents: 20)
        let bigArn = JournalFixtures.taskArn("big")
        let big = (1...20_000).map { JournalFixtures.event(arn: bigArn, version: Int64($0)) }
        let bigAppend = Task { try await journal.append(big, receivedAt: Date()) }
        #expect(await eventually(interval: .milliseconds(1)) { journal.statistics.inFlightEvents == 20_000 })
        let queued = Task {
            try await journal.append((0..<20).map { JournalFixtures.event(arn: JournalFixtures.taskArn("q\($0)"), version: 1) },
                                     receivedAt: Date())
        }
        #expect(await eventually(interval: .milliseconds(1)) { journal.statistics.queuedEvents == 20 })
        await #expect(throws: JournalError.overloaded) {
            try await journal.append([JournalFixtures.event(arn: JournalFixtures.taskArn("flood"), version: 1)], receivedAt: Date())
        }

        // When: a worker marks keys and records an attempt meanwhile
        try await journal.markWork(["service:web", "service:api"])
        let item = try #require(try await journal.workItem(key: "service:web"))
        let attempt = try await journal.recordAttempt(key: "service:web", generation: item.generation, succeeded: true,
                                                      error: nil, parked: false, notBefore: nil)

        // Then
        #expect(attempt?.state == .done)
        #expect(try await bigAppend.value.count == 20_000)
        #expect(try await queued.value.count == 20)
        #expect(try await journal.workItem(key: "service:api")?.state == .pending)
        await journal.close()
    }
}

/// A second connection in a `BEGIN IMMEDIATE` transaction on a thread of its own, until released.
private final class LockHolder: Sendable {
    private let release_ = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private let released = Mutex(false)

    init(path: String) throws {
        let queue = try DatabaseQueue(path: path)
        let locked = DispatchSemaphore(value: 0)
        let failure = Mutex<String?>(nil)
        let thread = Thread { [release_, done] in
            do {
                try queue.writeWithoutTransaction { db in
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    locked.signal()
                    release_.wait()
                    try db.execute(sql: "ROLLBACK")
                }
            } catch {
                failure.withLock { $0 = String(describing: error) }
                locked.signal()
            }
            done.signal()
        }
        thread.start()
        locked.wait()
        if let error = failure.withLock({ $0 }) {
            released.withLock { $0 = true }
            throw LockFailure(description: error)
        }
    }

    /// Ends the transaction (once) and waits for the connection to let go.
    func release() {
        let first = released.withLock { released -> Bool in
            defer { released = true }
            return !released
        }
        guard first else { return }
        release_.signal()
        done.wait()
    }
}

private struct LockFailure: Error, CustomStringConvertible {
    let description: String
}
