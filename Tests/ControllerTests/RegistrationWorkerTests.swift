import Foundation
import Journal
import Logging
import MeshModel
import Testing
@testable import Controller

/// The registration worker (key `task:<arn>`) against an in-memory journal and fake ECS and Consul.
struct RegistrationWorkerTests {
    private let logger = Logger(label: "registration-worker-test")

    private struct Rig {
        let journal: EventJournal
        let ecs = WorkerFakeECS()
        let catalog = WorkerRecordingCatalog()
        let enqueuer = WorkerRecordingEnqueuer()
        let index = ServiceTaskIndex()
        let worker: TaskRegistrationReconciler

        init() throws {
            journal = try EventJournal.inMemory(logger: Logger(label: "test"))
            worker = TaskRegistrationReconciler(
                journal: journal, metadata: TaskMetadataResolver(journal: journal, tasks: ecs, definitions: ecs),
                catalog: catalog, index: index,
                planConfiguration: MeshPlanConfiguration(proxyPort: 21000))
        }

        /// Runs the worker on `arn` and records the keys it answers with, as the queue enqueues them.
        @discardableResult
        func reconcile(_ arn: String, logger: Logger) async throws -> ReconcileResult {
            let result = try await worker.reconcile(taskArn: arn, logger: logger)
            try await enqueuer.enqueue(result.enqueue)
            return result
        }

        func meshTask(_ taskID: String, tags: [String: String] = WorkerSample.meshTags) async {
            await ecs.add(WorkerSample.ecsTask(taskID, tags: tags))
            await ecs.add(WorkerSample.webDefinition)
        }
    }

    private static let serviceKey = "service:web"

    /// A task without the mesh tag is never registered, and its non-membership is remembered.
    @Test func reconcile_whenTaskNotTaggedForMesh_registersNothing() async throws {
        // Given
        let rig = try Rig()
        await rig.meshTask("t1", tags: ["team": "payments"])
        try await WorkerSample.append(rig.journal, taskID: "t1", version: 1)
        // When
        try await rig.reconcile(WorkerSample.arn("t1"), logger: logger)
        // Then
        #expect(await rig.catalog.writes.isEmpty)
        #expect(await rig.enqueuer.enqueued.isEmpty)
        #expect(try await rig.journal.taskMeta(arn: WorkerSample.arn("t1"))?.mesh == false)
    }

    /// A running mesh task gets a full registration on the cluster node and its service's token key.
    @Test func reconcile_whenMeshTaskRunning_registersAndEnqueuesTokenWork() async throws {
        // Given
        let rig = try Rig()
        await rig.meshTask("t1")
        try await WorkerSample.append(rig.journal, taskID: "t1", version: 1)
        // When
        try await rig.reconcile(WorkerSample.arn("t1"), logger: logger)
        // Then
        let writes = await rig.catalog.writes
        #expect(writes.count == 1)
        #expect(writes.first?.change == .full)
        let intent = try #require(writes.first?.intent)
        #expect(intent.node == WorkerSample.cluster)
        #expect(intent.service.id == "web-t1")
        #expect(intent.service.port == 8080)
        #expect(intent.proxy?.port == 21000)
        #expect(intent.service.meta["source"] == "ecs-mesh-controller")
        #expect(intent.checks.allSatisfy { $0.status == .passing })
        #expect(await rig.enqueuer.enqueued == [Self.serviceKey])
        #expect(rig.index.liveTasks(of: MeshServiceRef(clusterArn: WorkerSample.cluster, name: "web")) == 1)
    }

    /// Running the key again with nothing new writes nothing and asks ECS nothing.
    @Test func reconcile_whenRunAgainUnchanged_skipsConsulAndECS() async throws {
        // Given
        let rig = try Rig()
        await rig.meshTask("t1")
        try await WorkerSample.append(rig.journal, taskID: "t1", version: 1)
        try await rig.reconcile(WorkerSample.arn("t1"), logger: logger)
        // When
        try await rig.reconcile(WorkerSample.arn("t1"), logger: logger)
        // Then
        #expect(await rig.catalog.writes.count == 1)
        #expect(await rig.ecs.describeCalls == 1)
        #expect(await rig.enqueuer.enqueued.count == 1)
    }

    /// desiredStatus STOPPED sends only the checks, all critical.
    @Test func reconcile_whenDesiredStopped_writesCriticalChecksOnly() async throws {
        // Given
        let rig = try Rig()
        await rig.meshTask("t1")
        try await WorkerSample.append(rig.journal, taskID: "t1", version: 1)
        try await rig.reconcile(WorkerSample.arn("t1"), logger: logger)
        try await WorkerSample.append(rig.journal, taskID: "t1", version: 2, desiredStatus: "STOPPED")
        // When
        try await rig.reconcile(WorkerSample.arn("t1"), logger: logger)
        // Then
        let last = try #require(await rig.catalog.writes.last)
        guard case .checks(let checks) = last.change else {
            Issue.record("expected a checks-only write, got \(last.change)")
            return
        }
        #expect(!checks.isEmpty)
        #expect(last.intent.checks.allSatisfy { $0.status == .critical })
    }

    /// lastStatus STOPPED deregisters the service and then its proxy, and re-checks the token.
    @Test func reconcile_whenStopped_deregistersServiceAndProxy() async throws {
        // Given
        let rig = try Rig()
        await rig.meshTask("t1")
        try await WorkerSample.append(rig.journal, taskID: "t1", version: 1)
        try await rig.reconcile(WorkerSample.arn("t1"), logger: logger)
        try await WorkerSample.append(rig.journal, taskID: "t1", version: 2, lastStatus: "STOPPED", desiredStatus: "STOPPED")
        // When
        try await rig.reconcile(WorkerSample.arn("t1"), logger: logger)
        // Then
        let deregistrations = await rig.catalog.deregistrations
        #expect(deregistrations.count == 1)
        #expect(deregistrations.first?.serviceIDs == ["web-t1", "web-t1-sidecar-proxy"])
        #expect(await rig.enqueuer.enqueued == [Self.serviceKey, Self.serviceKey])
        #expect(rig.index.liveTasks(of: MeshServiceRef(clusterArn: WorkerSample.cluster, name: "web")) == 0)
    }

    /// ECS not knowing a task that is still running is an error to retry, not "not in the mesh".
    @Test func reconcile_whenECSDoesNotKnowRunningTask_throwsTaskNotInECS() async throws {
        // Given
        let rig = try Rig()
        try await WorkerSample.append(rig.journal, taskID: "t1", version: 1)
        // When / Then
        await #expect(throws: WorkerError.taskNotInECS) {
            try await rig.reconcile(WorkerSample.arn("t1"), logger: logger)
        }
        #expect(try await rig.journal.taskMeta(arn: WorkerSample.arn("t1")) == nil)
    }

    /// A failed write is not remembered: the next attempt writes in full again.
    @Test func reconcile_whenCatalogWriteFailed_nextAttemptWritesInFull() async throws {
        // Given
        let rig = try Rig()
        await rig.meshTask("t1")
        try await WorkerSample.append(rig.journal, taskID: "t1", version: 1)
        await rig.catalog.setFailure(WorkerTestFailure("consul down"))
        await #expect(throws: ReconcileFailure.self) {
            try await rig.reconcile(WorkerSample.arn("t1"), logger: logger)
        }
        // When
        await rig.catalog.setFailure(nil)
        try await rig.reconcile(WorkerSample.arn("t1"), logger: logger)
        // Then
        #expect(await rig.catalog.writes.map(\.change) == [.full])
    }

    /// A catalog write that fails on a task's arrival still names the service's token key (the
    /// token does not wait for the registration), with the catalog's error; the retry, no arrival
    /// any more, names none.
    @Test func reconcile_whenCatalogWriteFailsOnArrival_failureNamesTheTokenKey() async throws {
        // Given
        let rig = try Rig()
        await rig.meshTask("t1")
        try await WorkerSample.append(rig.journal, taskID: "t1", version: 1)
        await rig.catalog.setFailure(WorkerTestFailure("consul down"))
        // When
        let failure = await #expect(throws: ReconcileFailure.self) {
            try await rig.reconcile(WorkerSample.arn("t1"), logger: logger)
        }
        // Then
        #expect(failure?.enqueue == [Self.serviceKey])
        #expect(failure?.underlying as? WorkerError == .consulCatalog)
        #expect(failure?.description.contains("consul down") == true)
        await rig.catalog.setFailure(nil)
        #expect(try await rig.reconcile(WorkerSample.arn("t1"), logger: logger) == .done)
    }

    /// A bad service-port tag is reported naming the tag.
    @Test func reconcile_whenServicePortTagInvalid_throwsInvalidTags() async throws {
        // Given
        let rig = try Rig()
        await rig.meshTask("t1", tags: WorkerSample.meshTags.merging(["consul.hashicorp.com/service-port": "http"]) { $1 })
        try await WorkerSample.append(rig.journal, taskID: "t1", version: 1)
        // When / Then
        let error = await #expect(throws: WorkerError.self) {
            try await rig.reconcile(WorkerSample.arn("t1"), logger: logger)
        }
        #expect(error == .invalidTags)
        #expect(error?.description.contains("consul.hashicorp.com/service-port") == true)
    }
}
