import AsyncHTTPClient
import Consul
import Foundation
import MeshModel
import MeshTestSupport
import NIOCore
import NIOHTTP1

/// Heartbeats of one mesh task (health-synced container `app`) posted to chosen replicas, and the
/// task's `app` check in Consul, for the replica tests.
struct ReplicaHeartbeats: Sendable {
    let task: MotoECSFixture.MotoTask
    let service: String
    let token: String
    let probe: MeshWorldProbe

    /// Waits for the service's token secret (the leader's token worker stores it).
    init(task: MotoECSFixture.MotoTask, service: String, secretName: String, probe: MeshWorldProbe) async throws {
        var secret: String?
        _ = await eventually(timeout: .seconds(60)) {
            secret = try await probe.secret(secretName)?.token
            return secret != nil
        }
        guard let secret else { throw ProcessFailure("the token secret \(secretName) was never stored") }
        self.task = task
        self.service = service
        self.token = secret
        self.probe = probe
    }

    /// Posts one heartbeat with the `app` container's `health` (`HEALTHY` or `UNHEALTHY`).
    func post(_ health: String, to replica: ControllerProcess) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: replica.baseURL + "/v1/heartbeats")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Consul-Token", value: token)
        let body = #"{"taskArn":"\#(task.taskArn)","state":"RUNNING","containers":[{"name":"app","health":"\#(health)"}]}"#
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 16)))
    }

    /// Posts `health` to `replica` (again while it answers 401: it may not know the token's hash
    /// yet) and waits until the `app` check in Consul shows it.
    /// - Returns: `nil`, or what the check shows instead.
    func reaches(_ health: String, via replica: ControllerProcess) async throws -> String? {
        _ = await eventually(timeout: .seconds(30)) { try await post(health, to: replica).status == 200 }
        let shown = await eventually(timeout: .seconds(30)) { try await shows(health, appCheck()) }
        if shown { return nil }
        return try await appCheck().map { "\($0.status): \($0.output)" } ?? "no app check"
    }

    /// The task's instance in Consul.
    func instance() async throws -> ServiceHealth? {
        try await probe.instances(service).first { $0.service.id.contains(task.taskID) }
    }

    func appCheck() async throws -> HealthCheck? {
        try await instance()?.checks.first { $0.checkID.hasSuffix("-app") }
    }

    private func shows(_ health: String, _ check: HealthCheck?) -> Bool {
        health == "HEALTHY" ? check?.status == .passing
            : check?.output == #"ECS health status is "\#(health)" for container "app""#
    }
}
