import Foundation
import Journal
import MeshModel
import MeshTestSupport
import Testing

/// The shared journal suite: closing, work signals and the work fence on every back end.
struct JournalStoreLifecycleTests {
    /// After `close()` every read and write throws `closed`.
    @Test(arguments: JournalBackendUnderTest.all)
    func readsAndWrites_afterClose_throwClosed(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            await journal.close()

            // When / Then
            await #expect(throws: JournalError.closed) { try await journal.lastSequence() }
            await #expect(throws: JournalError.closed) { try await journal.workItem(key: "task:x") }
            await #expect(throws: JournalError.closed) { try await journal.markWork(["task:x"]) }
            await #expect(throws: JournalError.closed) {
                _ = try await journal.append([JournalFixtures.event(arn: JournalFixtures.taskArn(), version: 1)],
                                             receivedAt: Date())
            }
            await #expect(throws: JournalError.closed) {
                _ = try await withCheckedThrowingContinuation { continuation in
                    journal.append([JournalFixtures.event(arn: JournalFixtures.taskArn(), version: 1)],
                                   receivedAt: Date()) { continuation.resume(with: $0) }
                }
            }
        }
    }

    /// Each commit that marks keys hands them to the signal streams: an applied event's task key,
    /// marked keys and a health transition's wake key; a duplicate event marks nothing. The
    /// streams end when the journal closes.
    @Test(.timeLimit(.minutes(1)), arguments: JournalBackendUnderTest.all)
    func workSignals_whenWritesMarkKeys_yieldTheirKeys(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            var signals = journal.workSignals().makeAsyncIterator()
            let arn = JournalFixtures.taskArn()
            let other = JournalFixtures.taskArn("other")

            // When / Then (each step waits until its keys arrived; whatever else arrived with them counts)
            _ = try await journal.append([JournalFixtures.event(arn: arn, version: 1)], receivedAt: Date())
            let applied = await Self.keys(&signals, until: ["task:\(arn)"])
            #expect(applied == ["task:\(arn)"])
            _ = try await journal.append([JournalFixtures.event(arn: arn, version: 1)], receivedAt: Date())
            try await journal.markWork(["service:web", "service:api"])
            let marked = await Self.keys(&signals, until: ["service:web", "service:api"])
            #expect(marked == ["service:web", "service:api"], "the duplicate marked nothing")
            try await journal.recordHealth(
                TaskHealthRecord(taskArn: other, health: TaskHealth(phase: .reporting, containers: [:]), revision: 1,
                                 changedAt: Date()),
                wakeKey: "task:\(other)")
            let woken = await Self.keys(&signals, until: ["task:\(other)"])
            #expect(woken == ["task:\(other)"])
            await journal.close()
            let end = await Self.keys(&signals, until: ["never"])
            #expect(end == nil, "the stream ends with the journal")
        }
    }

    /// A work-recording write whose fence refuses throws `fenced` (transient) and writes nothing;
    /// the same write passes with a fence that grants an epoch.
    @Test(arguments: JournalBackendUnderTest.all)
    func fencedWrites_whenFenceRefuses_throwFencedAndWriteNothing(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given a pending key, a service and a task the journal knows
            let arn = JournalFixtures.taskArn()
            _ = try await journal.append([JournalFixtures.event(arn: arn, version: 1)], receivedAt: Date())
            let key = "task:\(arn)"
            let before = try #require(try await journal.workItem(key: key))
            let refusing = RefusingFence()
            let longAgo = Date(timeIntervalSinceNow: -30 * 86400)

            // When every fenced write is refused
            let writes: [(String, () async throws -> Void)] = [
                ("markWork", { try await journal.markWork(["service:web"], at: Date(), fence: refusing) }),
                ("recordAttempt", {
                    try await journal.recordAttempt(key: key, generation: before.generation, succeeded: true, error: nil,
                                                    errorClass: nil, parked: false, notBefore: nil, at: Date(),
                                                    fence: refusing)
                }),
                ("upsertService", {
                    try await journal.upsertService(ServiceRecord(name: "web", clusterArn: JournalFixtures.cluster,
                                                                  updatedAt: Date()), fence: refusing)
                }),
                ("upsertTaskMeta", {
                    try await journal.upsertTaskMeta(TaskMeta(taskArn: arn, mesh: true, serviceName: "web",
                                                              describedAt: Date()), fence: refusing)
                }),
                ("storeSetting", { try await journal.storeSetting("s", value: "v", at: Date(), fence: refusing) }),
                ("recordHealth", {
                    try await journal.recordHealth(
                        TaskHealthRecord(taskArn: arn, health: TaskHealth(phase: .reporting, containers: [:]),
                                         revision: 1, changedAt: Date()),
                        wakeKey: key, fence: refusing)
                }),
                ("observe", {
                    _ = try await journal.observe([JournalFixtures.event(arn: arn, version: 2).change],
                                                  source: JournalDefaults.resyncSource, observedAt: Date(), fence: refusing)
                }),
                ("prune", { _ = try await journal.prune(before: Date(timeIntervalSinceNow: 86400), chunk: 10,
                                                        fence: refusing) }),
            ]
            for (name, write) in writes {
                let error = await #expect(throws: JournalError.self, "\(name) wrote past a refusing fence") {
                    try await write()
                }
                #expect(error == .fenced, "\(name)")
                #expect(error?.isTransient == true, "\(name)")
            }

            // Then nothing changed
            #expect(try await journal.workItem(key: key) == before)
            #expect(try await journal.workItem(key: "service:web") == nil)
            #expect(try await journal.service(name: "web") == nil)
            #expect(try await journal.taskMeta(arn: arn) == nil)
            #expect(try await journal.setting("s") == nil)
            #expect(try await journal.taskHealth(arn: arn) == nil)
            #expect(try await journal.task(arn: arn)?.version == 1)
            #expect(try await journal.entries(after: 0, limit: 10).count == 1)

            // And a fence that grants an epoch lets the write through
            try await journal.markWork(["service:web"], at: longAgo, fence: GrantingFence())
            #expect(try await journal.workItem(key: "service:web")?.state == .pending)
        }
    }

    /// The keys the stream yields until all of `expected` have come (an empty array only asks for a
    /// rescan), or `nil` when the stream ends first.
    private static func keys(_ signals: inout AsyncStream<[String]>.Iterator,
                             until expected: Set<String>) async -> Set<String>? {
        var seen = Set<String>()
        while !expected.isSubset(of: seen) {
            guard let keys = await signals.next() else { return nil }
            seen.formUnion(keys)
        }
        return seen
    }
}

/// A fence of a replica that does not lead.
private struct RefusingFence: WorkFence {
    struct NotLeading: Error {}
    func epochForWork() throws -> Int64 { throw NotLeading() }
}

/// A fence of the leader of epoch 1.
private struct GrantingFence: WorkFence {
    func epochForWork() throws -> Int64 { 1 }
}
