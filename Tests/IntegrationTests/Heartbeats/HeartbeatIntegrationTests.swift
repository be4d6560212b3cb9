import AsyncHTTPClient
import Consul
import Foundation
import HTTPServer
import Journal
import MeshModel
import NIOCore
import MeshTestSupport
import NIOHTTP1
import Testing
@testable import Controller

/// The real `ecs-mesh-heartbeat` binary, next to the controller binary the test command built.
let heartbeatBinary: String? = ProcessInfo.processInfo.environment["MESH_HEARTBEAT_BIN"]
    ?? ProcessInfo.processInfo.environment["MESH_CONTROLLER_BIN"].map {
        URL(fileURLWithPath: $0).deletingLastPathComponent().appendingPathComponent("ecs-mesh-heartbeat").path
    }
let heartbeatBinaryAvailable = heartbeatBinary.map { FileManager.default.isExecutableFile(atPath: $0) } ?? false

/// Heartbeats against real Consul 1.8.7 and moto: sidecar → controller → catalog.
@Suite(.enabled(if: integrationEnabled, "needs MESH_INTEGRATION=1 (deploy/local/test.sh)"))
struct HeartbeatIntegrationTests {
    /// The real sidecar binary, reading a stub of the task metadata endpoint, drives the catalog
    /// check: passing, critical when the app turns unhealthy, critical for good after SIGTERM (a late
    /// HEALTHY heartbeat is ignored), and the sidecar exits once the app container stopped.
    @Test(.timeLimit(.minutes(3)), .enabled(if: heartbeatBinaryAvailable, "needs the built ecs-mesh-heartbeat (MESH_CONTROLLER_BIN's folder or MESH_HEARTBEAT_BIN)"))
    func sidecar_whenAppHealthThenSIGTERM_catalogFollowsAndStoppingWins() async throws {
        // Given a registered mesh task and its sidecar
        let sfx = uniqueSuffix()
        let service = "hbside-\(sfx)"
        let world = try await HeartbeatWorld.start(sfx, services: [service])
        let stub = try await MetadataStub(taskArn: world.task(service))
        let sidecar = Process()
        sidecar.executableURL = URL(fileURLWithPath: try #require(heartbeatBinary))
        sidecar.environment = [
            "ECS_CONTAINER_METADATA_URI_V4": stub.uri, "MESH_HEARTBEAT_URL": world.app.baseURL,
            "CONSUL_HTTP_TOKEN": try #require(world.tokens[service]), "MESH_HEARTBEAT_INTERVAL_SECONDS": "0.2",
            "MESH_HEARTBEAT_LOG_LEVEL": "warning",
        ]
        try sidecar.run()
        defer { if sidecar.isRunning { sidecar.interrupt(); kill(sidecar.processIdentifier, SIGKILL) } }

        // When the app is healthy, then unhealthy, then healthy again
        let passing = await eventually { try await world.appCheck(service)?.status == .passing }
        stub.set(health: "UNHEALTHY")
        let critical = await eventually {
            try await world.appCheck(service)?.output == #"ECS health status is "UNHEALTHY" for container "app""#
        }
        stub.set(health: "HEALTHY")
        let passingAgain = await eventually { try await world.appCheck(service)?.status == .passing }
        // Then the check followed each report
        #expect(passing)
        #expect(critical)
        #expect(passingAgain)

        // When the sidecar gets SIGTERM while the app still runs healthy
        sidecar.terminate()
        let stopping = await eventually {
            let check = try await world.appCheck(service)
            return check?.status == .critical && check?.output.contains("STOPPING") == true
        }
        // and a late HEALTHY RUNNING heartbeat arrives
        let late = try await world.app.post(HeartbeatTestController.heartbeat(world.task(service)), token: world.tokens[service])
        // Then STOPPING wins, and the sidecar keeps running until the app container stopped
        #expect(stopping)
        #expect(late == 200)
        #expect(try await world.app.controller.journal.taskHealth(arn: world.task(service))?.health.phase == .stopping)
        #expect(sidecar.isRunning)
        stub.set(health: "UNHEALTHY", knownStatus: "STOPPED")
        let exited = await eventually { !sidecar.isRunning }
        #expect(exited)
        #expect(sidecar.terminationStatus == 0)
        let key = "task:\(world.task(service))"
        #expect(await eventually { try await world.app.controller.workItem(key)?.state == .done })
        #expect(try await world.appCheck(service)?.status == .critical)
        await world.app.stop()
        await stub.server.shutdown()
    }

    /// A token of another service gets 403; none or an unknown one 401; an unknown task 404.
    @Test(.timeLimit(.minutes(2)))
    func heartbeat_whenTokenOfAnotherService_403() async throws {
        // Given two services with their own tokens
        let sfx = uniqueSuffix()
        let (web, db) = ("hbweb-\(sfx)", "hbdb-\(sfx)")
        let world = try await HeartbeatWorld.start(sfx, services: [web, db])
        let webBeat = HeartbeatTestController.heartbeat(world.task(web))
        #expect(await world.postAccepted(webBeat, token: world.tokens[web]))
        // When: db's token, once the controller knows it (its SHA-256 reaches the journal a moment
        // after the secret exists, and the controller re-reads token hashes at most once a second,
        // so until then it is an unknown token: 401)
        let crossServiceRefused = await eventually { try await world.app.post(webBeat, token: world.tokens[db]) == 403 }
        let noToken = try await world.app.post(webBeat, token: nil)
        let unknownToken = try await world.app.post(webBeat, token: UUID().uuidString.lowercased())
        let unknownTask = try await world.app.post(
            HeartbeatTestController.heartbeat("arn:aws:ecs:us-east-1:123456789012:task/hb-\(sfx)/ffffffffffffffffffffffffffffffff"),
            token: world.tokens[web])
        // Then
        #expect(crossServiceRefused)
        #expect(noToken == 401)
        #expect(unknownToken == 401)
        #expect(unknownTask == 404)
        #expect(try await world.app.controller.journal.taskHealth(arn: world.task(db)) == nil)
        await world.app.stop()
    }

    /// Without a heartbeat within the TTL every check turns critical, saying why; a heartbeat brings it back.
    @Test(.timeLimit(.minutes(2)))
    func ttl_whenNoHeartbeat_checksCriticalWithReasonThenRecover() async throws {
        // Given a task reporting healthy with a 1 s TTL
        let sfx = uniqueSuffix()
        let service = "hbttl-\(sfx)"
        let world = try await HeartbeatWorld.start(sfx, services: [service], ttlSeconds: 1)
        let beat = HeartbeatTestController.heartbeat(world.task(service))
        #expect(await world.postAccepted(beat, token: world.tokens[service]))
        // (heartbeating while it waits: one poll of Consul can outlast the 1 s TTL on a loaded machine)
        #expect(await world.passingWhileHeartbeating(service, beat))
        // When the heartbeats stop
        let expired = await eventually {
            let check = try await world.appCheck(service)
            return check?.status == .critical && check?.output.contains("TTL of 1 s") == true
        }
        // Then every check of the instance is critical with the reason, until the next heartbeat
        #expect(expired)
        let checks = try await world.probe.instances(service).first?.checks.filter { $0.serviceID.hasPrefix(service) } ?? []
        #expect(!checks.isEmpty && checks.allSatisfy { $0.status == .critical })
        #expect(try await world.app.post(beat, token: world.tokens[service]) == 200)
        #expect(await world.passingWhileHeartbeating(service, beat))
        await world.app.stop()
    }

    /// 500 steady-state heartbeats write nothing to Consul: on a Consul of the test's own, the
    /// catalog's and the health checks' indexes stay put, and the task's work key never runs again.
    @Test(.timeLimit(.minutes(3)))
    func steadyState_whenManyHeartbeats_zeroConsulWrites() async throws {
        // Given a task reporting healthy, registered on a private Consul
        let agent = try await LocalConsulAgent.started()
        defer { agent.destroy() }
        let sfx = uniqueSuffix()
        let service = "hbsteady-\(sfx)"
        // (a TTL no wait of a loaded machine outlasts: an expiry would write, and that is not what this measures)
        let world = try await HeartbeatWorld.start(sfx, services: [service], ttlSeconds: 600, consul: agent)
        let beat = HeartbeatTestController.heartbeat(world.task(service))
        #expect(await world.postAccepted(beat, token: world.tokens[service]))
        #expect(await eventually { try await world.appCheck(service)?.status == .passing })
        let key = "task:\(world.task(service))"
        #expect(await eventually { try await world.app.controller.workItem(key)?.state == .done })
        let work = try await world.app.controller.workItem(key)
        let before = try await Self.indexes(agent)
        // When 500 identical heartbeats arrive
        var statuses: [Int] = []
        for _ in 0..<500 { statuses.append(try await world.app.post(beat, token: world.tokens[service])) }
        let after = try await Self.indexes(agent)
        // Then
        #expect(statuses.allSatisfy { $0 == 200 })
        #expect(after == before)
        #expect(try await world.app.controller.workItem(key) == work)
        #expect(try await world.app.controller.journal.taskHealth(arn: world.task(service))?.revision == 1)
        await world.app.stop()
    }

    /// `X-Consul-Index` of the catalog's services and of every health check.
    static func indexes(_ agent: LocalConsulAgent) async throws -> [String] {
        var result: [String] = []
        for path in ["/v1/catalog/services", "/v1/health/state/any"] {
            var request = HTTPClientRequest(url: agent.address + path)
            request.headers.add(name: "X-Consul-Token", value: agent.masterToken)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 22)
            result.append(response.headers.first(name: "X-Consul-Index") ?? "none")
        }
        return result
    }
}
