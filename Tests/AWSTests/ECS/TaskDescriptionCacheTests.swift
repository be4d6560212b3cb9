import Batching
@testable import AWS
import MeshTestSupport
import Testing

/// The per-ARN task description cache and its batching of concurrent misses.
@Suite(.timeLimit(.minutes(1)))
struct TaskDescriptionCacheTests {
    static func arn(_ n: Int) -> String { "arn:aws:ecs:us-east-1:123456789012:task/apps/\(n)" }

    /// A second lookup of the same ARN is served from the cache.
    @Test func task_whenLookedUpTwice_describesOnce() async throws {
        // Given
        let describer = FakeTaskDescriber(known: [Self.arn(1)])
        let cache = TaskDescriptionCache(describer: describer)

        // When
        let first = try await cache.task(arn: Self.arn(1), cluster: "apps")
        let second = try await cache.task(arn: Self.arn(1), cluster: "apps")

        // Then
        #expect(first?.tag("id") == Self.arn(1))
        #expect(second == first)
        #expect(describer.calls == [[Self.arn(1)]])
    }

    /// 150 concurrent misses become DescribeTasks calls of at most 100 tasks, each ARN described once.
    @Test func task_whenManyConcurrentMisses_batchesThemUpTo100() async throws {
        // Given: one call at a time, so what arrives while the first is held waits for the next
        let arns = (0..<150).map(Self.arn)
        let describer = FakeTaskDescriber(known: arns, gateOpen: false)
        let cache = TaskDescriptionCache(describer: describer,
                                         batching: .init(maxBatchWeight: 100, window: .zero, maxInFlightBatches: 1))

        // When
        let results = try await withThrowingTaskGroup(of: ECSTask?.self) { group in
            for arn in arns { group.addTask { try await cache.task(arn: arn, cluster: "apps") } }
            // Opened whatever happens: a child blocked on the closed gate would hang the group.
            let allWaiting = await eventually { await cache.submittedLookups == 150 }
            await describer.gate.open()
            #expect(allWaiting)
            return try await group.reduce(into: [ECSTask?]()) { $0.append($1) }
        }

        // Then
        #expect(results.compactMap { $0?.taskArn }.sorted() == arns.sorted())
        let calls = describer.calls
        #expect(calls.allSatisfy { $0.count <= 100 })
        #expect(calls.count <= 3)
        #expect(calls.flatMap { $0 }.sorted() == arns.sorted())
        #expect(await cache.count == 150)
    }

    /// Concurrent lookups of one ARN share a single describe.
    @Test func task_whenSameARNConcurrently_describesOnce() async throws {
        // Given
        let describer = FakeTaskDescriber(known: [Self.arn(7)], gateOpen: false)
        let cache = TaskDescriptionCache(describer: describer)

        // When
        let results = try await withThrowingTaskGroup(of: ECSTask?.self) { group in
            for _ in 0..<20 { group.addTask { try await cache.task(arn: Self.arn(7), cluster: "apps") } }
            // Opened whatever happens: a child blocked on the closed gate would hang the group.
            let allWaiting = await eventually { await cache.waitingLookups == 20 }
            await describer.gate.open()
            #expect(allWaiting)
            return try await group.reduce(into: [ECSTask?]()) { $0.append($1) }
        }

        // Then
        #expect(results.count == 20 && results.allSatisfy { $0?.taskArn == Self.arn(7) })
        #expect(describer.calls.flatMap { $0 } == [Self.arn(7)])
    }

    /// A task ECS reports MISSING gives nil and is asked again next time.
    @Test func task_whenMissing_returnsNilWithoutCaching() async throws {
        // Given
        let describer = FakeTaskDescriber(known: [])
        let cache = TaskDescriptionCache(describer: describer)

        // When
        let first = try await cache.task(arn: Self.arn(9), cluster: "apps")
        let second = try await cache.task(arn: Self.arn(9), cluster: "apps")

        // Then
        #expect(first == nil && second == nil)
        #expect(describer.calls.count == 2)
    }

    /// A failed batch fails its lookups; the next lookup tries again.
    @Test func task_whenDescribeFails_throwsThenRecovers() async throws {
        // Given
        let describer = FakeTaskDescriber(known: [Self.arn(2)])
        describer.failNextCall()
        let cache = TaskDescriptionCache(describer: describer)

        // When
        await #expect(throws: AWSError.self) { try await cache.task(arn: Self.arn(2), cluster: "apps") }
        let retried = try await cache.task(arn: Self.arn(2), cluster: "apps")

        // Then
        #expect(retried?.taskArn == Self.arn(2))
        #expect(describer.calls.count == 2)
    }

    /// One DescribeTasks answer gives each ARN its own outcome: found, MISSING (nil), or its own failure.
    @Test func outcomes_whenAnswerMixesTasksAndFailures_givesEachARNItsOwn() throws {
        // Given
        let answer = ECSDescribeTasksResult(tasks: [ECSTask(taskArn: Self.arn(1))], failures: [
            ECSFailure(arn: Self.arn(2), reason: "MISSING"),
            ECSFailure(arn: Self.arn(3), reason: "ThrottlingException", detail: "slow down"),
        ])

        // When
        let outcomes = TaskDescriptionCache.outcomes(of: [Self.arn(1), Self.arn(2), Self.arn(3), Self.arn(4)], in: answer)

        // Then
        #expect(try outcomes[0].get()?.taskArn == Self.arn(1))
        #expect(try outcomes[1].get() == nil)
        #expect(throws: AWSError.self) { try outcomes[2].get() }
        #expect(try outcomes[3].get() == nil)
        if case .failure(let error as AWSError) = outcomes[2] {
            #expect(error.code == "ThrottlingException" && error.isTransient)
        }
    }

    /// A lookup by task ID is matched to the full ARN ECS returns.
    @Test func task_whenLookedUpByID_matchesFullARN() async throws {
        // Given
        let describer = FakeTaskDescriber(known: [Self.arn(42)])
        let cache = TaskDescriptionCache(describer: describer)

        // When
        let task = try await cache.task(arn: "42", cluster: "apps")

        // Then
        #expect(task?.taskArn == Self.arn(42))
    }

    /// Invalidating an entry makes the next lookup describe again.
    @Test func invalidate_whenCalled_forcesDescribe() async throws {
        // Given
        let describer = FakeTaskDescriber(known: [Self.arn(3)])
        let cache = TaskDescriptionCache(describer: describer)
        _ = try await cache.task(arn: Self.arn(3), cluster: "apps")

        // When
        await cache.invalidate(Self.arn(3))
        _ = try await cache.task(arn: Self.arn(3), cluster: "apps")

        // Then
        #expect(describer.calls.count == 2)
    }

    /// Past `maxEntries` the oldest entries are evicted; inserted tasks are served without a call.
    @Test func insert_whenOverCapacity_evictsOldest() async throws {
        // Given
        let describer = FakeTaskDescriber(known: [])
        let cache = TaskDescriptionCache(describer: describer, maxEntries: 2)

        // When
        for n in 1...3 { await cache.insert(ECSTask(taskArn: Self.arn(n))) }
        let newest = try await cache.task(arn: Self.arn(3), cluster: "apps")

        // Then
        #expect(await cache.count == 2)
        #expect(newest?.taskArn == Self.arn(3))
        #expect(describer.calls.isEmpty)
    }
}
