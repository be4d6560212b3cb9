import Consul
import Foundation
import Journal
import Logging
import MeshModel
import MeshTestSupport
import Synchronization
import Testing

/// SIGKILL of the real executable in the middle of a burst, then a restart.
@Suite(.enabled(if: integrationEnabled && ControllerProcess.isAvailable,
                "needs MESH_INTEGRATION=1 and MESH_CONTROLLER_BIN (deploy/local/test.sh)"))
struct WorkerCrashRecoveryTests {
    /// The controller is killed while it creates secrets, tokens and registrations; after a restart
    /// (and EventBridge's redelivery of what was not acknowledged) Consul holds exactly one token per
    /// service, each matching its secret, and the catalog matches the events.
    @Test(.timeLimit(.minutes(4)))
    func sigkillMidBurst_restartConvergesWithoutDuplicateTokens() async throws {
        // Given six services with six tasks each and a controller process
        let sfx = uniqueSuffix()
        let names = (0..<6).map { "kill\($0)-\(sfx)" }
        let moto = try await MotoECSFixture.run(cluster: "kill-\(sfx)", services: names.map {
            .init(family: $0, ports: [8080], count: 6, tags: ["consul.hashicorp.com/mesh": "true"])
        })
        let cluster = moto.clusterArn
        let prefix = "kill-\(sfx)"
        let controller = try ControllerProcess(extraEnvironment: [
            "MESH_SECRETS_PREFIX": prefix, "MESH_WORK_BACKOFF_BASE_MILLIS": "50", "MESH_WORK_BACKOFF_CAP_SECONDS": "1",
            "MESH_LOG_LEVEL": "warning",
        ])
        try await controller.start()
        // Every task goes to RUNNING; the last task of each service on to STOPPED. Steps interleave
        // across tasks, as a deployment of many tasks would.
        var deliveries: [[String: Any]] = []
        for step in 0..<5 {
            for name in names {
                for (i, task) in moto.tasks(of: name).enumerated() where step < 3 || i == 5 {
                    deliveries.append(MeshEventBuilder.lifecycle(task, clusterArn: cluster)[step])
                }
            }
        }
        let bodies = deliveries.map { MeshEventBuilder.body([$0]) }

        // When it is SIGKILLed after a few acknowledgements, while token and catalog work is in flight
        let acknowledged = WorkerAckedSet()
        let next = WorkerCounter()
        let killAfter = 12
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    while true {
                        let index = next.take()
                        guard index < bodies.count else { return }
                        guard let reply = try? await controller.postEvent(bodies[index]) else { return }
                        if reply.status == 202 || reply.status == 200 {
                            let count = acknowledged.insert(index)
                            if count == killAfter { controller.kill() }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let acked = acknowledged.snapshot
        #expect(acked.count >= killAfter && acked.count < bodies.count, "killed mid-burst: \(acked.count)/\(bodies.count)")

        // And it restarts, and what was not acknowledged is delivered again (plus some duplicates)
        try await controller.start()
        for index in bodies.indices where !acked.contains(index) || index % 7 == 0 {
            let reply = try await controller.postEvent(bodies[index])
            #expect(reply.status == 202 || reply.status == 200)
        }

        // Then each service has its five running tasks passing and its stopped task gone
        let probe = try MeshWorldProbe()
        for name in names {
            let converged = await eventually(timeout: .seconds(60)) {
                let all = try await probe.instances(name)
                return all.count == 5 && all.allSatisfy { $0.aggregatedStatus == .passing }
            }
            #expect(converged, "\(name): 5 passing instances; \(controller.logTail(1500))")
        }
        // And exactly one token per service, each the one its secret names (token work runs beside
        // registration, so wait for it rather than read once)
        let tokensSettled = await eventually(timeout: .seconds(60)) {
            try await probe.serviceTokens(clusterArn: cluster).count >= names.count
        }
        #expect(tokensSettled, "every service should get its token")
        let tokens = try await probe.serviceTokens(clusterArn: cluster)
        let byService = Dictionary(grouping: tokens) {
            ServiceTokenPlan.serviceName(fromTokenDescription: $0.description, clusterArn: cluster) ?? ""
        }
        #expect(tokens.count == names.count, "tokens: \(tokens.map(\.accessorID))")
        for name in names {
            #expect(byService[name]?.count == 1, "\(name) has \(byService[name]?.count ?? 0) tokens")
            let ids = try #require(try await probe.secret("\(prefix)-\(name)"))
            #expect(byService[name]?.first?.accessorID == ids.accessorID)
            #expect(try await probe.tokenSelf(secret: ids.token).serviceIdentities.map(\.serviceName) == [name])
        }
        // And no work is left or parked once it stops
        let journalPath = controller.journalPath
        let settled = await eventually {
            let journal = try EventJournal(configuration: JournalConfiguration(path: journalPath), logger: Logger(label: "check"))
            let items = try await journal.work(state: nil, limit: 10_000)
            await journal.close()
            return items.count > bodies.count / 5 && items.allSatisfy { $0.state == .done }
        }
        #expect(settled, "every work key done")
        #expect(controller.terminate() == 0, "graceful stop: \(controller.logTail())")
    }
}

/// Indexes of acknowledged deliveries, shared by the posting tasks.
private final class WorkerAckedSet: Sendable {
    private let indexes = Mutex<Set<Int>>([])

    /// Adds `index`; returns how many are acknowledged now.
    func insert(_ index: Int) -> Int { indexes.withLock { $0.insert(index); return $0.count } }
    var snapshot: Set<Int> { indexes.withLock { $0 } }
}

/// Hands out 0, 1, 2, … to the posting tasks.
private final class WorkerCounter: Sendable {
    private let value = Mutex(0)

    func take() -> Int {
        value.withLock { current in
            let taken = current
            current += 1
            return taken
        }
    }
}
