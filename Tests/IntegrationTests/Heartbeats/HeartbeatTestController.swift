import AsyncHTTPClient
import Consul
import Foundation
import HTTPServer
import Journal
import Logging
import MeshModel
import MeshTestSupport
import NIOCore
import NIOHTTP1
@testable import Controller

/// An ``InProcessController`` whose heartbeat path (handler + TTL sweep, wired as the app wires
/// them) is served over real HTTP on a free loopback port, for the sidecar binary and for AHC.
final class HeartbeatTestController: Sendable {
    let controller: InProcessController
    let heartbeats: HeartbeatComponents
    let server: EventHTTPServer
    let port: Int
    private let expiry: Task<Void, Never>

    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(controller: InProcessController) async throws {
        self.controller = controller
        let logger = Logger(label: "heartbeat-test", factory: { _ in SwiftLogNoOpLogHandler() })
        heartbeats = try await HeartbeatComponents(journal: controller.journal, scheduler: controller.workers.queue,
                                             configuration: controller.configuration.heartbeat, logger: logger)
        var router = Router()
        router.add(.post, "/v1/heartbeats", handler: heartbeats.handler.handle)
        var configuration = HTTPServerConfiguration(listeners: [.init(name: "public", host: "127.0.0.1", port: 0, router: router)])
        configuration.replyDeadline = .seconds(30)
        configuration.shutdownGracePeriod = .seconds(1)
        server = EventHTTPServer(configuration: configuration, logger: logger)
        port = try await server.start()["public"] ?? 0
        let sweep = heartbeats.expiry
        expiry = Task { try? await sweep.run() }
    }

    /// Posts one heartbeat body; returns the HTTP status.
    func post(_ body: String, token: String?) async throws -> Int {
        var request = HTTPClientRequest(url: baseURL + "/v1/heartbeats")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "X-Consul-Token", value: token) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 16)
        return Int(response.status.code)
    }

    static func heartbeat(_ taskArn: String, state: String = "RUNNING", health: String = "HEALTHY") -> String {
        #"{"taskArn":"\#(taskArn)","state":"\#(state)","containers":[{"name":"app","health":"\#(health)"}]}"#
    }

    func stop() async {
        expiry.cancel()
        await expiry.value
        await server.shutdown()
        await controller.stop()
    }
}

/// Mesh tasks running and registered, with their services' tokens read from Secrets Manager (moto).
struct HeartbeatWorld {
    let moto: MotoECSFixture.Result
    let probe: MeshWorldProbe
    let app: HeartbeatTestController
    /// Service name → its token secret.
    let tokens: [String: String]

    /// Runs one task per service (health-synced container `app`), delivers their events up to
    /// RUNNING, and waits until each is registered and its token exists.
    static func start(_ sfx: String, services: [String], ttlSeconds: Double = 15,
                      consul: LocalConsulAgent? = nil) async throws -> HeartbeatWorld {
        let moto = try await MotoECSFixture.run(cluster: "hb-\(sfx)", services: services.map {
            .init(family: $0, ports: [8080], count: 1, tags: [
                "consul.hashicorp.com/mesh": "true", "consul.hashicorp.com/health-sync-containers": "app",
            ])
        })
        let probe = try MeshWorldProbe(consulAddress: consul?.address, consulToken: consul?.masterToken)
        let controller = try await InProcessController(secretsPrefix: "hb-\(sfx)", consulAddress: consul?.address,
                                                       consulToken: consul?.masterToken) {
            $0.heartbeat.ttlSeconds = ttlSeconds
        }
        for task in moto.tasks {
            for event in MeshEventBuilder.lifecycle(task, clusterArn: moto.clusterArn).prefix(3) {
                await controller.post([event])
            }
        }
        var tokens: [String: String] = [:]
        for service in services {
            var secret: String?
            let ready = await eventually(timeout: .seconds(60)) {
                guard let ids = try await probe.secret("hb-\(sfx)-\(service)") else { return false }
                secret = ids.token
                let accessor = try await probe.tokenSelf(secret: ids.token).accessorID
                let registered = try await probe.instances(service).count
                return accessor == ids.accessorID && registered == 1
            }
            guard ready, let secret else { throw ProcessFailure("service \(service) was not registered with a token") }
            tokens[service] = secret
        }
        let app = try await HeartbeatTestController(controller: controller)
        return HeartbeatWorld(moto: moto, probe: probe, app: app, tokens: tokens)
    }

    func task(_ service: String) -> String { moto.tasks(of: service)[0].taskArn }

    /// Posts until the controller knows the service's token hash (the token worker journals it
    /// just after creating the token); returns the final status.
    @discardableResult
    func postAccepted(_ body: String, token: String?) async -> Bool {
        await eventually { try await app.post(body, token: token) == 200 }
    }

    /// Posts `beat` before each look at the check, until the `app` check passes: for short TTLs,
    /// where a single heartbeat's effect can expire before a poll of Consul sees it.
    func passingWhileHeartbeating(_ service: String, _ beat: String) async -> Bool {
        await eventually {
            guard try await app.post(beat, token: tokens[service]) == 200 else { return false }
            return try await appCheck(service)?.status == .passing
        }
    }

    /// The `app` container check of the service's only instance.
    func appCheck(_ service: String) async throws -> HealthCheck? {
        try await probe.instances(service).first?.checks.first { $0.checkID.hasSuffix("-app") }
    }
}
