import Consul
import Foundation
import Journal
import MeshModel
import MeshTestSupport
import Testing
@testable import Controller

/// Fault suite (issue #13): AWS failing while tasks start. A fault proxy in front of moto answers
/// 500, 429 `ThrottlingException`, resets connections or holds answers past the client's attempt
/// timeout, first for ECS and Secrets Manager together, then for Secrets Manager alone (the token
/// worker reaches Secrets Manager only once a task's tags came from ECS). When the fault is lifted,
/// everything converges with default work settings and no operator call.
@Suite(.enabled(if: integrationEnabled, "needs MESH_INTEGRATION=1 (deploy/local/test.sh)"))
struct FaultSuiteAWSErrorsTests {
    @Test(.timeLimit(.minutes(4)), arguments: FaultProxy.Fault.allCases)
    func awsFault_whileTasksStart_convergesAfterRecovery(fault: FaultProxy.Fault) async throws {
        // Given two mesh services with two tasks each in moto, and a controller whose AWS client
        // goes through the proxy, with the default work settings (attempt limit, backoff)
        let environment = ProcessInfo.processInfo.environment
        let proxy = try await FaultProxy.start(upstream: environment["AWS_ENDPOINT_URL"] ?? "http://127.0.0.1:15000")
        defer { proxy.stop() }
        let sfx = uniqueSuffix()
        let names = ["fa\(sfx)", "fb\(sfx)"]
        let moto = try await MotoECSFixture.run(cluster: "aws-\(fault)-\(sfx)", services: names.map {
            .init(family: $0, ports: [8080], count: 2, tags: ["consul.hashicorp.com/mesh": "true"])
        })
        let controller = try await InProcessController(secretsPrefix: "aws-\(sfx)") {
            $0.work = MeshConfiguration.Work()
            $0.aws.endpointURL = proxy.url
        }
        let probe = try MeshWorldProbe()
        // Longer than the AWS client's 10 s attempt timeout.
        let rule = { (target: FaultProxy.Target) in FaultProxy.Rule(target: target, fault: fault, seconds: 12) }
        // Each phase lasts until a key has failed this many times (with its backoff growing); a slow
        // answer takes the AWS client's whole 30 s call budget per attempt, so one is enough there.
        let failures = fault == .delay ? 1 : 3

        // When ECS and Secrets Manager both fail while the tasks start
        try await proxy.set([rule(.ecs), rule(.secretsManager)])
        for task in moto.tasks {
            let events = MeshEventBuilder.lifecycle(task, clusterArn: moto.clusterArn)
            #expect(await controller.post(Array(events.prefix(3))) == 202, "ingest does not depend on AWS")
        }
        let ecsFailed = await eventually(timeout: .seconds(90)) {
            guard try await proxy.injected(fault, target: .ecs) > 0 else { return false }
            return try await controller.unfinishedWork().contains { $0.key.hasPrefix("task:") && $0.attempts >= failures && $0.lastError != nil }
        }
        let workAfterECS = try await controller.unfinishedWork().prefix(3)
        #expect(ecsFailed, "task keys should show failed attempts: \(workAfterECS)")

        // And then Secrets Manager alone, once the tasks' tags can be read
        try await proxy.set([rule(.secretsManager)])
        let secretsFailed = await eventually(timeout: .seconds(90)) {
            guard try await proxy.injected(fault, target: .secretsManager) > 0 else { return false }
            return try await controller.unfinishedWork().contains { $0.key.hasPrefix("service:") && $0.attempts >= failures && $0.lastError != nil }
        }
        let workAfterSecrets = try await controller.unfinishedWork().prefix(3)
        #expect(secretsFailed, "service keys should show failed attempts: \(workAfterSecrets)")

        // When the fault is lifted
        try await proxy.clear()
        let recovered = ContinuousClock.now

        // Then every task is registered, every service has its token, and no work is left, parked or not
        let converged = await eventually(timeout: .seconds(120), interval: .milliseconds(200)) {
            for name in names where try await probe.instances(name).count != 2 { return false }
            guard try await probe.serviceTokens(clusterArn: moto.clusterArn).count == names.count else { return false }
            return try await controller.unfinishedWork().isEmpty
        }
        let elapsed = ContinuousClock.now - recovered
        let left = try await controller.unfinishedWork().map { "\($0.key) \($0.state) attempts=\($0.attempts)" }
        #expect(converged, "not converged \(elapsed) after recovery; work left: \(left)")
        if converged {
            print("fault aws-\(fault): converged \(FaultReport.seconds(elapsed)) s after recovery")
        }
        for name in names {
            let ids = try #require(try await probe.secret("aws-\(sfx)-\(name)"))
            #expect(try await probe.tokenSelf(secret: ids.token).serviceIdentities.map(\.serviceName) == [name])
        }
        await controller.stop()
    }
}

/// Formatting for the fault suite's `fault <name>: converged <N> s after recovery` lines.
enum FaultReport {
    static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "%.1f", value)
    }
}
