public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The sidecar's I/O: the task metadata endpoint and the controller. A protocol so the agent's loop
/// is tested without sockets.
public protocol HeartbeatTransport: Sendable {
    /// `GET ${ECS_CONTAINER_METADATA_URI_V4}/task`.
    func fetchTask() async throws -> TaskMetadata
    /// `GET ${ECS_CONTAINER_METADATA_URI_V4}`: the sidecar's own container name.
    func fetchSelfName() async throws -> String
    /// `POST /v1/heartbeats`. - Returns: The HTTP status. - Throws: When the controller is unreachable.
    func post(_ report: HeartbeatReport) async throws -> Int
}

/// ``HeartbeatTransport`` over AsyncHTTPClient.
public struct HTTPHeartbeatTransport: HeartbeatTransport {
    private let client: HTTPClient
    private let configuration: HeartbeatAgentConfiguration

    public init(client: HTTPClient, configuration: HeartbeatAgentConfiguration) {
        self.client = client
        self.configuration = configuration
    }

    public func fetchTask() async throws -> TaskMetadata {
        try TaskMetadata.decode(try await get(Self.join(configuration.metadataURI, "task")))
    }

    public func fetchSelfName() async throws -> String {
        try JSONDecoder().decode(ContainerSelf.self, from: try await get(configuration.metadataURI)).name
    }

    public func post(_ report: HeartbeatReport) async throws -> Int {
        var request = HTTPClientRequest(url: Self.join(configuration.controllerURL, "v1/heartbeats"))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Consul-Token", value: configuration.token)
        request.body = .bytes(ByteBuffer(data: report.encoded()))
        let response = try await client.execute(request, timeout: TimeAmount(configuration.requestTimeout))
        _ = try? await response.body.collect(upTo: 64 << 10)
        return Int(response.status.code)
    }

    private func get(_ url: String) async throws -> Data {
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: TimeAmount(configuration.requestTimeout))
        let body = try await response.body.collect(upTo: 4 << 20)
        guard response.status == .ok else { throw MetadataUnavailable(status: Int(response.status.code)) }
        return Data(buffer: body)
    }

    static func join(_ base: String, _ path: String) -> String {
        base.hasSuffix("/") ? base + path : base + "/" + path
    }
}

/// The task metadata endpoint answered with something other than 200.
public struct MetadataUnavailable: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var description: String { "task metadata endpoint answered HTTP \(status)" }
}
