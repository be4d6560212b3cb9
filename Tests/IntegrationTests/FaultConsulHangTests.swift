import Backoff
import Consul
import Controller
import ErrorClassification
import Foundation
import Journal
import MeshModel
import MeshTestSupport
import Testing

/// Fault: Consul hangs (SIGSTOP) while new tasks start, for three times the retry budget the queue
/// had before transient failures stopped parking keys, then goes on (SIGCONT). With default work
/// settings every task and every token must converge within 60 s of recovery, with no operator call.
@Suite(.enabled(if: integrationEnabled, "needs MESH_INTEGRATION=1 (deploy/local/test.sh)"))
struct FaultConsulHangTests {
    /// The old retry budget: the sum of the default backoff's capped delay ceilings over the ten
    /// attempts after which a key used to park (0.2 + 0.4 + … + 25.6 + 30 + 30 = 111 s).
    static var oldRetryBudget: Duration {
        (0..<10).reduce(Duration.zero) { $0 + WorkQueue.Configuration.defaultBackoff.ceiling(attempt: $1) }
    }

    @Test(.timeLimit(.minutes(9)))
    func consulHang_whileTasksStart_everyTaskAndTokenConvergesAfterRecovery() async throws {
        // Given our own Consul, three mesh services of two tasks each, and a controller with the
        // default work settings (backoff, attempts, re-check), one service already provisioned
        let agent = try await LocalConsulAgent.started()
        defer { agent.destroy() }
        let sfx = uniqueSuffix()
        let names = (0..<3).map { "hang\($0)-\(sfx)" }
        let moto = try await MotoECSFixture.run(cluster: "hang-\(sfx)", services: names.map {
            .init(family: $0, ports: [8080], count: 2, tags: ["consul.hashicorp.com/mesh": "true"])
        })
        let controller = try await InProcessController(
            secretsPrefix: "hang-\(sfx)", consulAddress: agent.address, consulToken: agent.masterToken
        ) { $0.work = MeshConfiguration.Work() }
        let probe = try MeshWorldProbe(consulAddress: agent.address, consulToken: agent.masterToken)
        let cluster = moto.clusterArn
        let warm = moto.tasks(of: names[0])[0]
        await controller.post(Array(MeshEventBuilder.lifecycle(warm, clusterArn: cluster).prefix(3)))
        #expect(await eventually(timeout: .seconds(60)) { try await probe.serviceTokens(clusterArn: cluster).count == 1 })

        // When Consul hangs and every other task starts meanwhile
        let hang = Self.oldRetryBudget * 3
        agent.pause()
        let hangEnds = ContinuousClock.now + hang
        var statuses: [Int] = []
        for task in moto.tasks where task != warm {
            statuses.append(await controller.post(Array(MeshEventBuilder.lifecycle(task, clusterArn: cluster).prefix(3))))
        }
        #expect(statuses.allSatisfy { $0 == 202 }, "events are acknowledged while Consul hangs: \(statuses)")

        // Then keys fail transiently and none is parked, for the whole hang
        let failing = await eventually(timeout: .seconds(60)) {
            try await controller.unfinishedWork().contains { $0.attempts > 0 && $0.lastErrorClass == .transient }
        }
        let sample = try await controller.unfinishedWork().prefix(2)
        #expect(failing, "keys should show transient failures: \(sample)")
        var parkedDuringHang: [String] = []
        while ContinuousClock.now < hangEnds, parkedDuringHang.isEmpty {
            parkedDuringHang = try await controller.unfinishedWork().filter { $0.state == .failed }.map(\.key)
            try await Task.sleep(for: .seconds(5))
        }
        #expect(parkedDuringHang.isEmpty, "no key may park while Consul hangs: \(parkedDuringHang)")

        // When Consul goes on
        agent.resume()
        let recovered = ContinuousClock.now

        // Then every task is registered and passing, every service has one working token, and no
        // work is left, within 60 s of recovery
        let converged = await eventually(timeout: .seconds(120), interval: .milliseconds(250)) {
            for name in names {
                let instances = try await probe.instances(name)
                guard instances.count == 2, instances.allSatisfy({ $0.aggregatedStatus == .passing }) else { return false }
            }
            guard try await probe.serviceTokens(clusterArn: cluster).count == names.count else { return false }
            return try await controller.unfinishedWork().isEmpty
        }
        let seconds = (ContinuousClock.now - recovered).components.seconds
        print("fault consul-hang: converged \(seconds) s after recovery (Consul hung \(hang.components.seconds) s)")
        let left = try await controller.unfinishedWork().map { "\($0.key) \($0.state) \($0.lastError ?? "")" }
        #expect(converged, "work left: \(left)")
        #expect(seconds <= 60, "converged \(seconds) s after recovery; at most 60 s with default settings")
        for name in names {
            let ids = try #require(try await probe.secret("hang-\(sfx)-\(name)"))
            let me = try await probe.tokenSelf(secret: ids.token)
            #expect(me.accessorID == ids.accessorID && me.serviceIdentities.map(\.serviceName) == [name])
        }
        await controller.stop()
    }
}
