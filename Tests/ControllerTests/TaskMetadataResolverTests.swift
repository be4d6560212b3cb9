import AWS
import Foundation
import Journal
import Logging
import MeshModel
import Testing
@testable import Controller

/// ``TaskMetadataResolver``'s order of ECS calls for a task it has no metadata for: the event names
/// the task definition, so DescribeTaskDefinition goes out with DescribeTasks, not after it.
struct TaskMetadataResolverTests {
    private let logger = Logger(label: "task-metadata-resolver-test")

    /// ECS that records the order of its calls. DescribeTasks answers once DescribeTaskDefinition has
    /// been asked (or, when it is not, after a bounded wait); DescribeTaskDefinition can be held until
    /// released and can fail its first calls.
    actor OrderedECS: ECSTaskLookup, ECSTaskDefinitionLookup {
        private(set) var events: [String] = []
        private(set) var definitionCalls = 0
        private var tags: [String: String]
        private var held: Bool
        private let failingCalls: Int

        init(tags: [String: String], holdDefinitions: Bool = false, failingDefinitionCalls: Int = 0) {
            self.tags = tags
            self.held = holdDefinitions
            self.failingCalls = failingDefinitionCalls
        }

        func release() { held = false }

        func task(arn: String, cluster: String) async throws -> ECSTask? {
            events.append("DescribeTasks asked")
            for _ in 0..<300 where definitionCalls == 0 { try await Task.sleep(for: .milliseconds(10)) }
            events.append("DescribeTasks answered")
            return WorkerSample.ecsTask(String(arn.split(separator: "/").last ?? ""), tags: tags)
        }

        func taskDefinition(arn: String) async throws -> ECSTaskDefinition {
            definitionCalls += 1
            let call = definitionCalls
            events.append("DescribeTaskDefinition asked")
            while held { try await Task.sleep(for: .milliseconds(5)) }
            events.append("DescribeTaskDefinition answered")
            if call <= failingCalls { throw WorkerTestFailure("DescribeTaskDefinition throttled (call \(call))") }
            return WorkerSample.webDefinition
        }
    }

    private func resolve(_ taskID: String, ecs: OrderedECS) async throws -> (TaskResolution, EventJournal) {
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        try await WorkerSample.append(journal, taskID: taskID, version: 1)
        let record = try #require(try await journal.task(arn: WorkerSample.arn(taskID)))
        #expect(record.taskDefinitionArn == WorkerSample.definition)
        let resolver = TaskMetadataResolver(journal: journal, tasks: ecs, definitions: ecs)
        return (try await resolver.resolve(record, logger: logger), journal)
    }

    /// A new task's definition is asked for before DescribeTasks has answered: one round trip, not two.
    @Test func resolve_whenEventNamesDefinition_asksForItWhileDescribeTasksIsOnTheWire() async throws {
        // Given
        let ecs = OrderedECS(tags: WorkerSample.meshTags)
        // When
        let (resolution, _) = try await resolve("t1", ecs: ecs)
        // Then
        guard case .mesh(let meta, _) = resolution else { Issue.record("not in the mesh: \(resolution)"); return }
        #expect(meta.serviceName == "web")
        let events = await ecs.events
        let asked = try #require(events.firstIndex(of: "DescribeTaskDefinition asked"))
        let answered = try #require(events.firstIndex(of: "DescribeTasks answered"))
        #expect(asked < answered, "\(events)")
        #expect(await ecs.definitionCalls == 1)
    }

    /// An explicit mesh tag other than "true" keeps the task out at once: its resolve does not wait for
    /// the definition asked for early.
    @Test func resolve_whenMeshTagFalse_returnsNotMeshWithoutAwaitingTheEarlyDefinition() async throws {
        // Given a definition that is not answered until the resolve has returned (or a bound has passed)
        let ecs = OrderedECS(tags: ["consul.hashicorp.com/mesh": "false"], holdDefinitions: true)
        let resolved = ResolvedFlag()
        let releaser = Task {
            for _ in 0..<500 where !(await resolved.value) { try? await Task.sleep(for: .milliseconds(10)) }
            await ecs.release()
        }
        // When
        let (resolution, journal) = try await resolve("t1", ecs: ecs)
        let eventsAtReturn = await ecs.events
        await resolved.set()
        await releaser.value
        // Then
        #expect(resolution == .notMesh)
        #expect(!eventsAtReturn.contains("DescribeTaskDefinition answered"), "\(eventsAtReturn)")
        #expect(try await journal.taskMeta(arn: WorkerSample.arn("t1"))?.mesh == false)
    }

    /// When the early DescribeTaskDefinition fails, the resolve asks again as it did before there was an
    /// early one: the task is registered, not failed.
    @Test func resolve_whenEarlyDefinitionFails_asksAgainAndResolves() async throws {
        // Given
        let ecs = OrderedECS(tags: WorkerSample.meshTags, failingDefinitionCalls: 1)
        // When
        let (resolution, _) = try await resolve("t1", ecs: ecs)
        // Then
        guard case .mesh(let meta, let settings) = resolution else { Issue.record("not in the mesh: \(resolution)"); return }
        #expect(meta.servicePort == 8080)
        #expect(settings.serviceName == "web")
        #expect(await ecs.definitionCalls == 2)
    }

    /// Whether the resolve under test has returned.
    actor ResolvedFlag {
        private(set) var value = false
        func set() { value = true }
    }
}
