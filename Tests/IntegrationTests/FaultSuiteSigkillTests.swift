import Foundation
import Journal
import Logging
import MeshTestSupport
import Testing

/// Fault suite (issue #13): SIGKILL in a loop during a storm. The real executable is killed three
/// times while clients post the start of every task's lifecycle and keep re-posting (as EventBridge
/// retries on non-2xx and on connection errors), and restarted each time as an orchestrator would.
/// At the end every acknowledged event is in the journal, every task is registered with its
/// service's token, and the journal passes `integrity_check`.
@Suite(.enabled(if: integrationEnabled && ControllerProcess.isAvailable,
                "needs MESH_INTEGRATION=1 and MESH_CONTROLLER_BIN (deploy/local/test.sh)"))
struct FaultSuiteSigkillTests {
    @Test(.timeLimit(.minutes(4)))
    func sigkillLoop_duringStorm_losesNothingAndConverges() async throws {
        // Given three mesh services with eight tasks each in moto, and the controller running
        let sfx = uniqueSuffix()
        let names = (0..<3).map { "kill\($0)-\(sfx)" }
        let moto = try await MotoECSFixture.run(cluster: "kill-\(sfx)", services: names.map {
            .init(family: $0, ports: [8080], count: 8, tags: ["consul.hashicorp.com/mesh": "true"])
        })
        let controller = try ControllerProcess(extraEnvironment: ["MESH_SECRETS_PREFIX": "kill-\(sfx)"])
        try await controller.start()
        let deliveries = moto.tasks.flatMap { task in
            MeshEventBuilder.lifecycle(task, clusterArn: moto.clusterArn).prefix(3).enumerated().map { index, event in
                Delivery(key: "\(task.taskArn)#\(index + 1)", body: MeshEventBuilder.body([event]))
            }
        }
        let storm = RetryingStorm(deliveries: deliveries)

        // When eight clients storm the controller while it is killed three times, the first time
        // before every event was delivered once
        let kills = 3
        var recovered = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The clients post until stopped: stop them however this block ends.
            defer { storm.stop() }
            for client in 0..<8 {
                group.addTask { await storm.post(client: client, clients: 8) { try await controller.postEvent($0).status } }
            }
            for round in 1...kills {
                let target = round * deliveries.count / 2
                try #require(await eventually(timeout: .seconds(60), interval: .milliseconds(10)) { storm.answered >= target },
                             "before kill \(round): \(storm.answered) of \(target) answers: \(controller.logTail())")
                controller.kill()
                recovered = ContinuousClock.now
                try await controller.start()
            }
            try #require(await eventually(timeout: .seconds(90), interval: .milliseconds(10)) { storm.everyDeliveryAcknowledged },
                         "\(storm.acknowledged.count) of \(deliveries.count) events acknowledged after the last kill: \(controller.logTail())")
            storm.stop()
            try await group.waitForAll()
        }

        // Then every task is registered and every service has its token, with no operator call
        let probe = try MeshWorldProbe()
        let converged = await eventually(timeout: .seconds(120), interval: .milliseconds(200)) {
            for name in names where try await probe.instances(name).count != 8 { return false }
            return try await probe.serviceTokens(clusterArn: moto.clusterArn).count == names.count
        }
        let elapsed = ContinuousClock.now - recovered
        #expect(converged, "not converged \(elapsed) after the last kill: \(controller.logTail())")
        if converged {
            print("fault sigkill-storm: converged \(FaultReport.seconds(elapsed)) s after recovery (\(kills) kills, \(storm.answered) answers)")
        }
        #expect(controller.terminate() == 0, "graceful stop: \(controller.logTail())")

        // And the journal holds every acknowledged event and passes integrity_check
        let journal = try EventJournal(configuration: JournalConfiguration(path: controller.journalPath),
                                       logger: Logger(label: "fault-sigkill"))
        #expect(try await journal.integrityCheck())
        let stored = Set(try await journal.allEntries().map { "\($0.taskArn)#\($0.version)" })
        let lost = storm.acknowledged.subtracting(stored)
        #expect(lost.isEmpty, "\(lost.count) acknowledged events missing, e.g. \(lost.first ?? "")")
        #expect(storm.acknowledged.count == deliveries.count)
        await journal.close()
    }
}
