import ErrorClassification
import Foundation
import GRDB
@testable import Journal
import Testing

/// Durable work keys: marking, attempts, generations, parking.
struct EventJournalWorkTests {
    /// Marking a new key makes it pending at generation 1; marking again bumps the generation.
    @Test func markWork_whenMarkedTwice_isPendingWithBumpedGeneration() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()

        // When
        try await journal.markWork(["service:mesh/web"])
        let first = try await journal.workItem(key: "service:mesh/web")
        try await journal.markWork(["service:mesh/web", "service:mesh/api"])

        // Then
        #expect(first?.state == .pending)
        #expect(first?.generation == 1)
        #expect(try await journal.workItem(key: "service:mesh/web")?.generation == 2)
        #expect(try await journal.pendingWork(limit: 10).map(\.key).sorted() == ["service:mesh/api", "service:mesh/web"])
        #expect(try await journal.workCounts() == [.pending: 2, .running: 0, .failed: 0, .done: 0])
    }

    /// Success with the generation the worker started from settles the key as done.
    @Test func recordAttempt_whenSucceededAtCurrentGeneration_isDone() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        try await journal.markWork(["task:a"])
        let started = try #require(try await journal.workItem(key: "task:a"))

        // When
        try await journal.recordAttempt(key: "task:a", generation: started.generation, succeeded: true,
                                        error: nil, parked: false, notBefore: nil)

        // Then
        #expect(started.state == .pending)
        #expect(try await journal.workItem(key: "task:a")?.state == .done)
        #expect(try await journal.pendingWork(limit: 10).isEmpty)
    }

    /// A newer event marked while a worker was running keeps the key pending after its success.
    @Test func recordAttempt_whenGenerationBumpedWhileRunning_staysPending() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        try await journal.markWork(["task:b"])
        let started = try #require(try await journal.workItem(key: "task:b"))
        try await journal.markWork(["task:b"])

        // When
        let after = try await journal.recordAttempt(key: "task:b", generation: started.generation, succeeded: true,
                                                    error: nil, parked: false, notBefore: nil)

        // Then
        #expect(after?.state == .pending)
        #expect(after?.generation == started.generation + 1)
        #expect(try await journal.workItem(key: "task:b")?.state == .pending)
    }

    /// Failures count attempts, keep the error and the backoff; parking marks the key failed.
    @Test func recordAttempt_whenFailing_countsAttemptsThenParks() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        try await journal.markWork(["task:c"])
        let generation = try #require(try await journal.workItem(key: "task:c")).generation
        let retryAt = Date(timeIntervalSince1970: 1_800_000_000)

        // When
        try await journal.recordAttempt(key: "task:c", generation: generation, succeeded: false,
                                        error: "consul: 500", parked: false, notBefore: retryAt)
        let retrying = try await journal.workItem(key: "task:c")
        try await journal.recordAttempt(key: "task:c", generation: generation, succeeded: false,
                                        error: "consul: 503", parked: true, notBefore: nil)
        let parked = try await journal.workItem(key: "task:c")

        // Then
        #expect(retrying?.state == .pending)
        #expect(retrying?.attempts == 1)
        #expect(retrying?.lastError == "consul: 500")
        #expect(retrying?.notBefore == retryAt)
        #expect(parked?.state == .failed)
        #expect(parked?.attempts == 2)
        #expect(parked?.lastError == "consul: 503")
        #expect(try await journal.work(state: .failed, limit: 10).map(\.key) == ["task:c"])
        #expect(try await journal.workCounts()[.failed] == 1)
    }

    /// A newer event wakes a parked key: pending again, attempts start afresh.
    @Test func markWork_whenParked_wakesWithFreshAttempts() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        try await journal.markWork(["task:d"])
        try await journal.recordAttempt(key: "task:d", generation: 1, succeeded: false, error: "boom",
                                        parked: true, notBefore: nil)

        // When
        try await journal.markWork(["task:d"])

        // Then
        let item = try #require(try await journal.workItem(key: "task:d"))
        #expect(item.state == .pending)
        #expect(item.attempts == 0)
        #expect(item.generation == 2)
        #expect(item.lastError == "boom", "the last error stays visible until a success")
    }

    /// Recording an attempt for an unknown key fails with notFound and does not disturb others.
    @Test func recordAttempt_whenKeyUnknown_throwsNotFound() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()

        // When
        let error = await #expect(throws: JournalError.self) {
            try await journal.recordAttempt(key: "task:none", generation: 1, succeeded: true, error: nil,
                                            parked: false, notBefore: nil)
        }

        // Then
        #expect(error == .notFound)
        #expect(error?.isRetryable == false)
        try await journal.markWork(["task:other"])
        #expect(try await journal.workItem(key: "task:other")?.state == .pending)
    }

    /// A `running` key (written by an older version, which marked attempts running) is still pending work.
    @Test func pendingWork_whenRunning_isIncluded() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        let arn = JournalFixtures.taskArn()
        _ = try await journal.append([JournalFixtures.event(arn: arn, version: 1)], receivedAt: Date())

        // When
        try await journal.dbWriter.write { db in
            try db.execute(sql: "UPDATE work SET state = 'running' WHERE key = ?", arguments: ["task:\(arn)"])
        }

        // Then
        let pending = try await journal.pendingWork(limit: 10)
        #expect(pending.map(\.key) == ["task:\(arn)"])
        #expect(pending.first?.state == .running)
    }

    /// A failure keeps its class beside its message; a success clears both.
    @Test func recordAttempt_whenFailureHasClass_keepsItUntilSuccess() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        try await journal.markWork(["task:c"])

        // When
        try await journal.recordAttempt(key: "task:c", generation: 1, succeeded: false, error: "denied",
                                        errorClass: .permanent, parked: true, notBefore: nil)
        let parked = try #require(try await journal.workItem(key: "task:c"))
        try await journal.markWork(["task:c"])
        try await journal.recordAttempt(key: "task:c", generation: 2, succeeded: true, error: nil,
                                        parked: false, notBefore: nil)

        // Then
        #expect(parked.state == .failed && parked.lastErrorClass == .permanent && parked.lastError == "denied")
        let settled = try #require(try await journal.workItem(key: "task:c"))
        #expect(settled.state == .done && settled.lastErrorClass == nil && settled.lastError == nil)
    }

    /// Pending work is read in pages in key order: each page continues after the last key of the one before.
    @Test func pendingWork_whenPaged_walksEveryKeyOnce() async throws {
        // Given 25 pending keys and a parked one
        let journal = try JournalFixtures.inMemory()
        let keys = (0..<25).map { "task:\(String(format: "%02d", $0))" }
        try await journal.markWork(keys + ["task:parked"])
        try await journal.recordAttempt(key: "task:parked", generation: 1, succeeded: false, error: "x",
                                        errorClass: .permanent, parked: true, notBefore: nil)

        // When
        var seen: [String] = []
        var after: String?
        var pages = 0
        while true {
            let page = try await journal.pendingWork(limit: 10, after: after)
            guard let last = page.last else { break }
            seen += page.map(\.key)
            after = last.key
            pages += 1
        }

        // Then
        #expect(seen == keys)
        #expect(pages == 3)
    }

    /// A setting is stored durably and replaced by a later value.
    @Test func storeSetting_whenStoredTwice_keepsTheLastValue() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        #expect(try await journal.setting("work.configurationFingerprint") == nil)

        // When
        try await journal.storeSetting("work.configurationFingerprint", value: "a1")
        try await journal.storeSetting("work.configurationFingerprint", value: "b2")

        // Then
        #expect(try await journal.setting("work.configurationFingerprint") == "b2")
    }
}
