import AsyncHTTPClient
import Consul
import Foundation
import MeshModel
import MeshTestSupport
import NIOCore
import NIOHTTP1
import Testing
@testable import Controller

/// Real traffic through Consul Connect with only what the controller made: its registrations (from
/// consul-ecs task definitions) and its tokens (read from Secrets Manager, as ECS injects them).
/// Consul 1.8.7's built-in proxy is the data plane; each task has its own loopback address.
@Suite(.enabled(if: integrationEnabled, "needs MESH_INTEGRATION=1 (deploy/local/test.sh)"))
struct MeshTrafficTests {
    static let appPort = 8080
    static let upstreamPort = 1234

    /// One moto task with its loopback address.
    struct MeshTask: Sendable {
        var moto: MotoECSFixture.MotoTask
        var ip: String
        var name: String { "\(moto.family)-\(moto.taskID.prefix(8))" }
        var withLoopback: MotoECSFixture.MotoTask {
            var task = moto
            task.ip = ip
            return task
        }
    }

    static func serviceConfig(_ name: String, upstream: String?) -> String {
        let upstreams = upstream.map { #"[{"destinationName":"\#($0)","localBindPort":\#(upstreamPort)}]"# } ?? "[]"
        return #"""
        {"bootstrapDir":"/consul","healthSyncContainers":["app"],
         "service":{"name":"\#(name)","port":\#(appPort),"tags":[],"meta":{}},
         "proxy":{"publicListenerPort":21000,"upstreams":\#(upstreams)}}
        """#
    }

    @Test(.timeLimit(.minutes(4)))
    func traffic_throughBuiltInProxies_spreadsRefusesAndLosesNothingOnReplacement() async throws {
        // Given consul-ecs task definitions: api (v1 and v2 revisions), a client and a rogue calling it, a mesh gateway
        let sfx = uniqueSuffix()
        let (api, client, rogue, gateway) = ("api-\(sfx)", "client-\(sfx)", "rogue-\(sfx)", "mgw-\(sfx)")
        let moto = try await MotoECSFixture.run(cluster: "traffic-\(sfx)", services: [
            .init(family: "api-v1-\(sfx)", ports: [Self.appPort], count: 3, tags: [:],
                  consulECSConfig: Self.serviceConfig(api, upstream: nil)),
            .init(family: "api-v2-\(sfx)", ports: [Self.appPort], count: 3, tags: [:],
                  consulECSConfig: Self.serviceConfig(api, upstream: nil)),
            .init(family: "client-\(sfx)", ports: [Self.appPort], count: 1, tags: [:],
                  consulECSConfig: Self.serviceConfig(client, upstream: api)),
            .init(family: "rogue-\(sfx)", ports: [Self.appPort], count: 1, tags: [:],
                  consulECSConfig: Self.serviceConfig(rogue, upstream: api)),
            .init(family: gateway, ports: [8443], count: 1, tags: [:],
                  consulECSConfig: #"{"gateway":{"kind":"mesh-gateway","name":"\#(gateway)"}}"#),
        ])
        let (a, b) = MeshDataPlane.loopbackBlock()
        let tasks = moto.tasks.enumerated().map { MeshTask(moto: $1, ip: "127.\(a).\(b).\($0 + 1)") }
        func of(_ family: String) -> [MeshTask] { tasks.filter { $0.moto.family == family } }
        let (v1, v2) = (of("api-v1-\(sfx)"), of("api-v2-\(sfx)"))
        let (clientTask, rogueTask) = (try #require(of("client-\(sfx)").first), try #require(of("rogue-\(sfx)").first))
        let gatewayTask = try #require(of(gateway).first)

        let environment = ProcessInfo.processInfo.environment
        let controller = try await InProcessController(secretsPrefix: "traffic-\(sfx)")
        let probe = try MeshWorldProbe()
        let plane = try MeshDataPlane(consulAddress: environment["CONSUL_HTTP_ADDR"] ?? "http://127.0.0.1:18500")
        defer { plane.stop(); plane.removeFiles() }
        func running(_ task: MeshTask, version: Int = 3, desired: String = "RUNNING", last: String = "RUNNING") async -> Int {
            await controller.post([MeshEventBuilder.event(task.withLoopback, clusterArn: moto.clusterArn, version: version,
                                                          lastStatus: last, desiredStatus: desired, health: "HEALTHY")])
        }
        func pending(_ task: MeshTask) async -> Int {
            await controller.post([MeshEventBuilder.event(task.withLoopback, clusterArn: moto.clusterArn, version: 2,
                                                          lastStatus: "PENDING")])
        }
        /// Starts the sidecar of `task` from the controller's proxy registration and the Secrets Manager token.
        func startSidecar(_ task: MeshTask, service: String) async throws {
            let proxyID = MeshNames.proxyID(serviceID: MeshNames.serviceID(service: service, taskID: task.moto.taskID))
            var registration: CatalogService?
            var token: String?
            // (the secret is written before its token is created: wait until Consul knows the token)
            _ = await eventually {
                registration = try await probe.nodeServices(clusterArn: moto.clusterArn).first { $0.id == proxyID }
                guard let ids = try await probe.secret("traffic-\(sfx)-\(service)"),
                      try await probe.tokenSelf(secret: ids.token).accessorID == ids.accessorID else { return false }
                token = ids.token
                return registration != nil
            }
            try plane.startSidecar(id: task.name, registration: try #require(registration, "no \(proxyID)"),
                                   taskIP: task.ip, token: try #require(token, "no token for \(service)"))
        }

        // When the v1 apps, the client and the rogue run with their sidecars
        for task in v1 { try plane.startApp(name: task.name, ip: task.ip, port: Self.appPort) }
        for task in v1 { #expect(await eventually { try await Self.listening(task.ip, Self.appPort) }, "app \(task.name)") }
        for task in v1 + [clientTask, rogueTask, gatewayTask] { #expect(await running(task) == 202) }
        #expect(await eventually { try await probe.instances(api, passingOnly: true).count == 3 })
        for task in v1 { try await startSidecar(task, service: api) }
        try await startSidecar(clientTask, service: client)
        try await startSidecar(rogueTask, service: rogue)
        let viaClient = TrafficClient(url: "http://\(clientTask.ip):\(Self.upstreamPort)/")
        let viaRogue = TrafficClient(url: "http://\(rogueTask.ip):\(Self.upstreamPort)/")

        // Then without an intention nothing gets through (Consul's ACL default is deny), every proxy listening
        #expect(await eventually { try await Self.listening(clientTask.ip, Self.upstreamPort) })
        for task in v1 { #expect(await eventually { try await Self.listening(task.ip, 21000) }) }
        var refused = 0
        for _ in 0..<10 where await viaClient.get() == nil { refused += 1 }
        #expect(refused == 10, "without an intention every request is refused")

        // When client -> api is allowed
        try await Self.allow(source: client, destination: api)
        // Then the client reaches every api instance over mTLS, and the rogue (no intention) still cannot
        #expect(await eventually { await viaClient.get() != nil }, "client proxy: \(plane.log("proxy-\(clientTask.name)"))")
        var seen: [String: Int] = [:]
        for _ in 0..<60 { if let instance = await viaClient.get() { seen[instance, default: 0] += 1 } }
        #expect(Set(seen.keys) == Set(v1.map(\.name)), "requests spread over every instance: \(seen)")
        var rogueThrough = 0
        for _ in 0..<10 where await viaRogue.get() != nil { rogueThrough += 1 }
        #expect(rogueThrough == 0, "a service without an intention is refused")

        // When api is replaced under continuous requests: v2 RUNNING, then v1 draining (desiredStatus STOPPED), then gone
        let load = TrafficLoad(viaClient)
        // (each new task is registered critical until its app reports healthy, by which time its app and sidecar listen)
        for task in v2 { try plane.startApp(name: task.name, ip: task.ip, port: Self.appPort) }
        for task in v2 { #expect(await eventually { try await Self.listening(task.ip, Self.appPort) }, "app \(task.name)") }
        for task in v2 { #expect(await pending(task) == 202) }
        for task in v2 { try await startSidecar(task, service: api) }
        for task in v2 { #expect(await eventually { try await Self.listening(task.ip, 21000) }) }
        for task in v2 { #expect(await running(task) == 202) }
        #expect(await eventually { try await probe.instances(api, passingOnly: true).count == 6 })
        let v2Names = Set(v2.map(\.name))
        #expect(await eventually(timeout: .seconds(60)) { Set(load.tally.byInstance.keys).isSuperset(of: v2Names) })
        for task in v1 { #expect(await running(task, version: 4, desired: "STOPPED") == 202) }
        #expect(await eventually { try await probe.instances(api, passingOnly: true).count == 3 })
        // the client's proxy has dropped every v1 instance once 30 requests in a row went to v2
        #expect(await eventually(timeout: .seconds(60)) {
            let recent = load.tally.recent
            return recent.count == 30 && Set(recent).isSubset(of: v2Names)
        })
        for task in v1 { #expect(await running(task, version: 5, desired: "STOPPED", last: "STOPPED") == 202) }
        #expect(await eventually { try await probe.instances(api).count == 3 })
        for task in v1 { plane.stop(prefix: "proxy-\(task.name)"); plane.stop(prefix: "app-\(task.name)") }
        let before = load.tally.requests
        #expect(await eventually { load.tally.requests >= before + 30 })
        let tally = await load.stop()
        print("traffic: \(tally.requests) requests, \(tally.failures) failures")
        // Then no request was lost
        #expect(tally.failures == 0)
        #expect(tally.requests >= 100)

        // And the mesh gateway from the gateway task is where a proxy with meshGateway.mode = local looks:
        // a passing mesh-gateway service of the local datacenter, with its LAN and WAN addresses
        let gatewayInstance = try #require(try await probe.instances(gateway, passingOnly: true).first)
        #expect(gatewayInstance.service.kind == ServiceKind(rawValue: "mesh-gateway"))
        #expect(gatewayInstance.service.taggedAddresses["lan"] == CatalogAddress(address: gatewayTask.ip, port: 8443))
        #expect(gatewayInstance.service.taggedAddresses["wan"] == CatalogAddress(address: gatewayTask.ip, port: 8443))
        #expect(try await Self.meshGatewayNames().contains(gateway))
        await controller.stop()
    }

    /// Whether something listens on `ip:port`.
    static func listening(_ ip: String, _ port: Int) async throws -> Bool {
        let output = try await Subprocess.run(["python3", "-c",
            "import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex((sys.argv[1], int(sys.argv[2]))))",
            ip, String(port)])
        return output.status == 0
    }

    /// Allows `source` to call `destination` (`POST /v1/connect/intentions`, management token).
    static func allow(source: String, destination: String) async throws {
        let response = try await consulRequest(.POST, "/v1/connect/intentions",
                                               body: #"{"SourceName":"\#(source)","DestinationName":"\#(destination)","Action":"allow"}"#)
        #expect(response.status == .ok)
    }

    /// Names of the mesh gateways in the local datacenter: Consul's service summary filtered by kind,
    /// the set a proxy in `local` mesh-gateway mode picks its gateway from.
    static func meshGatewayNames() async throws -> [String] {
        let response = try await consulRequest(.GET, "/v1/internal/ui/services", body: nil)
        let summaries = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [[String: Any]] ?? []
        return summaries.filter { $0["Kind"] as? String == "mesh-gateway" }.compactMap { $0["Name"] as? String }
    }

    static func consulRequest(_ method: HTTPMethod, _ path: String, body: String?) async throws
        -> (status: HTTPResponseStatus, body: String) {
        let environment = ProcessInfo.processInfo.environment
        var request = HTTPClientRequest(url: (environment["CONSUL_HTTP_ADDR"] ?? "http://127.0.0.1:18500") + path)
        request.method = method
        request.headers.add(name: "X-Consul-Token", value: environment["CONSUL_HTTP_TOKEN"] ?? "")
        // Uncompressed: JSON compresses past the shared client's decompression ratio limit.
        request.headers.add(name: "Accept-Encoding", value: "identity")
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return (response.status, String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }
}
