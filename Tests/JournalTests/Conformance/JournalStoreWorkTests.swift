import ErrorClassification
import Foundation
import Journal
import MeshModel
import MeshTestSupport
import Testing

/// The shared journal suite: durable work keys (marking, attempts, generations, parking, paging)
/// on every back end.
struct JournalStoreWorkTests {
    /// Marking a new key makes it pending at generation 1; marking again bumps the generation.
    @Test(arguments: JournalBackendUnderTest.all)
    func markWork_whenMarkedTwice_isPendingWithBumpedGeneration(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // When
            try await journal.markWork(["service:mesh/web"])
            let first = try await journal.workItem(key: "service:mesh/web")
            try await journal.markWork(["service:mesh/web", "service:mesh/api"])

            // Then
            #expect(first?.state == .pending)
            #expect(first?.generation == 1)
            #expect(try await journal.workItem(key: "service:mesh/web")?.generation == 2)
            #expect(try await journal.pendingWork(limit: 10, after: nil).map(\.key).sorted()
                        == ["service:mesh/api", "service:mesh/web"])
            #expect(try await journal.workCounts() == [.pending: 2, .running: 0, .failed: 0, .done: 0])
        }
    }

    /// Success with the generation the worker started from settles the key as done.
    @Test(arguments: JournalBackendUnderTest.all)
    func recordAttempt_whenSucceededAtCurrentGeneration_isDone(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            try await journal.markWork(["task:a"])
            let started = try #require(try await journal.workItem(key: "task:a"))

            // When
            try await journal.recordAttempt(key: "task:a", generation: started.generation, succeeded: true,
                                            error: nil, parked: false, notBefore: nil)

            // Then
            #expect(started.state == .pending)
            #expect(try await journal.workItem(key: "task:a")?.state == .done)
            #expect(try await journal.pendingWork(limit: 10, after: nil).isEmpty)
        }
    }

    /// A newer event marked while a worker was running keeps the key pending after its success.
    @Test(arguments: JournalBackendUnderTest.all)
    func recordAttempt_whenGenerationBumpedWhileRunning_staysPending(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
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
    }

    /// Failures count attempts, keep the error and the backoff; parking marks the key failed.
    @Test(arguments: JournalBackendUnderTest.all)
    func recordAttempt_whenFailing_countsAttemptsThenParks(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
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
    }

    /// A newer event wakes a parked key: pending again, attempts start afresh.
    @Test(arguments: JournalBackendUnderTest.all)
    func markWork_whenParked_wakesWithFreshAttempts(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
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
    }

    /// Recording an attempt for an unknown key fails with notFound and does not disturb others.
    @Test(arguments: JournalBackendUnderTest.all)
    func recordAttempt_whenKeyUnknown_throwsNotFound(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
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
    }

    /// A failure keeps its class beside its message; a success clears both.
    @Test(arguments: JournalBackendUnderTest.all)
    func recordAttempt_whenFailureHasClass_keepsItUntilSuccess(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
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
    }

    /// Pending work is read in pages in key order: each page continues after the last key of the one before.
    @Test(arguments: JournalBackendUnderTest.all)
    func pendingWork_whenPaged_walksEveryKeyOnce(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given 25 pending keys and a parked one
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
    }

    /// Tasks, their metadata and their work items come back by key for every known key (more keys
    /// than one chunk of a batched read holds); unknown keys are simply absent.
    @Test(arguments: JournalBackendUnderTest.all)
    func batchReads_whenManyKeys_returnEveryKnownRow(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given 600 tasks (more than one IN list), metadata for the even ones
            let arns = (0..<600).map { JournalFixtures.taskArn("b\($0)") }
            _ = try await journal.append(arns.map { JournalFixtures.event(arn: $0, version: 1) }, receivedAt: Date())
            for (offset, arn) in arns.enumerated() where offset.isMultiple(of: 2) {
                try await journal.upsertTaskMeta(TaskMeta(taskArn: arn, mesh: true, serviceName: "web", describedAt: Date()))
            }
            let unknown = JournalFixtures.taskArn("unknown")

            // When
            let tasks = try await journal.tasks(arns: arns + [unknown])
            let metas = try await journal.taskMeta(arns: arns + [unknown])
            let work = try await journal.workItems(keys: (arns + [unknown]).map { "task:\($0)" })

            // Then
            #expect(tasks.count == 600 && tasks[unknown] == nil)
            #expect(tasks[arns[599]]?.lastStatus == .running)
            #expect(metas.count == 300 && metas[arns[0]]?.serviceName == "web" && metas[arns[1]] == nil)
            #expect(work.count == 600 && work["task:\(arns[42])"]?.state == .pending)
            #expect(try await journal.tasks(arns: [String]()).isEmpty)
        }
    }

    /// A failing operation (unknown work key) fails alone; appends queued with it still commit.
    @Test(arguments: JournalBackendUnderTest.all)
    func recordAttempt_whenFailingAmongAppends_failsAlone(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let arns = (0..<50).map { JournalFixtures.taskArn("n\($0)") }

            // When
            let (appended, failure) = await withTaskGroup(of: (Int, JournalError?).self) { group in
                for arn in arns {
                    group.addTask {
                        do throws(JournalError) {
                            let results = try await journal.append([JournalFixtures.event(arn: arn, version: 1)],
                                                                   receivedAt: Date())
                            return (results.count, nil)
                        } catch {
                            return (0, error)
                        }
                    }
                }
                group.addTask {
                    do throws(JournalError) {
                        try await journal.recordAttempt(key: "task:missing", generation: 1, succeeded: true, error: nil,
                                                        parked: false, notBefore: nil)
                        return (0, nil)
                    } catch {
                        return (0, error)
                    }
                }
                return await group.reduce(into: (0, [JournalError]())) { result, next in
                    result.0 += next.0
                    if let error = next.1 { result.1.append(error) }
                }
            }

            // Then
            #expect(appended == 50)
            #expect(failure == [.notFound])
            let stored = try await journal.tasks(cluster: nil, status: nil, limit: 100, after: nil)
            #expect(stored.count == 50)
        }
    }

    /// Work-key writes and appends share the writer and both become durable.
    @Test(arguments: JournalBackendUnderTest.all)
    func markWork_whenInterleavedWithAppends_allCommit(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let arn = JournalFixtures.taskArn()

            // When
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    _ = try await journal.append([JournalFixtures.event(arn: arn, version: 1)], receivedAt: Date())
                }
                group.addTask { try await journal.markWork(["service:mesh/web"]) }
                group.addTask { try await journal.markWork(["task:\(arn)"]) }
                try await group.waitForAll()
            }

            // Then
            #expect(try await journal.workItem(key: "service:mesh/web")?.state == .pending)
            #expect(try await journal.workItem(key: "task:\(arn)")?.generation == 2)
        }
    }
}
