import Foundation

/// The sidecar's settings, all from its environment (an ECS container definition's `environment`
/// and `secrets`).
///
/// | variable | meaning | default |
/// |---|---|---|
/// | `ECS_CONTAINER_METADATA_URI_V4` | task metadata endpoint (ECS sets it) | required |
/// | `MESH_HEARTBEAT_URL` | controller base URL, e.g. `http://mesh-controller.internal:8080` | required |
/// | `MESH_HEARTBEAT_TOKEN`, else `CONSUL_HTTP_TOKEN` | the service's Consul token (ECS `secrets` from the service's secret, JSON key `token`) | required |
/// | `MESH_HEARTBEAT_INTERVAL_SECONDS` | time between heartbeats | 5 |
/// | `MESH_HEARTBEAT_TIMEOUT_SECONDS` | per-request timeout | 2 |
/// | `MESH_HEARTBEAT_BACKOFF_MAX_SECONDS` | longest retry delay while the controller is unreachable | the interval |
/// | `MESH_HEARTBEAT_CONTAINERS` | comma-separated containers to report | every container but this one |
/// | `MESH_HEARTBEAT_CONTAINER_NAME` | this sidecar's container name | `Name` from `$ECS_CONTAINER_METADATA_URI_V4` |
public struct HeartbeatAgentConfiguration: Sendable, Equatable {
    /// The `MESH_` variables the sidecar reads (the table above, and `MESH_HEARTBEAT_LOG_LEVEL`,
    /// which `ecs-mesh-heartbeat` reads for its log level).
    public static let environmentVariables: Set<String> = [
        "MESH_HEARTBEAT_URL", "MESH_HEARTBEAT_TOKEN", "MESH_HEARTBEAT_INTERVAL_SECONDS",
        "MESH_HEARTBEAT_TIMEOUT_SECONDS", "MESH_HEARTBEAT_BACKOFF_MAX_SECONDS", "MESH_HEARTBEAT_CONTAINERS",
        "MESH_HEARTBEAT_CONTAINER_NAME", "MESH_HEARTBEAT_LOG_LEVEL",
    ]

    public var metadataURI: String
    public var controllerURL: String
    public var token: String
    public var interval: Duration
    public var requestTimeout: Duration
    public var maxBackoff: Duration
    /// Containers to report; `nil` means every container except the sidecar itself.
    public var containers: [String]?
    /// The sidecar's own container name, if configured (else read from the metadata endpoint).
    public var selfContainerName: String?

    public init(metadataURI: String, controllerURL: String, token: String, interval: Duration = .seconds(5),
                requestTimeout: Duration = .seconds(2), maxBackoff: Duration? = nil, containers: [String]? = nil,
                selfContainerName: String? = nil) {
        self.metadataURI = metadataURI
        self.controllerURL = controllerURL
        self.token = token
        self.interval = interval
        self.requestTimeout = requestTimeout
        self.maxBackoff = maxBackoff ?? interval
        self.containers = containers
        self.selfContainerName = selfContainerName
    }

    /// Reads the environment.
    /// - Throws: ``HeartbeatAgentConfigurationError`` naming the variable that is missing or unusable.
    public init(environment: [String: String]) throws(HeartbeatAgentConfigurationError) {
        func required(_ name: String) throws(HeartbeatAgentConfigurationError) -> String {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                throw HeartbeatAgentConfigurationError(variable: name, reason: "must be set")
            }
            return value
        }
        func seconds(_ name: String, default fallback: Double) throws(HeartbeatAgentConfigurationError) -> Duration {
            guard let raw = environment[name], !raw.isEmpty else { return .milliseconds(Int64(fallback * 1000)) }
            guard let value = Double(raw), value >= 0.01, value <= 3600 else {
                throw HeartbeatAgentConfigurationError(variable: name, reason: "must be a number of seconds between 0.01 and 3600 (got \"\(raw)\")")
            }
            return .milliseconds(Int64(value * 1000))
        }
        let metadataURI = try required("ECS_CONTAINER_METADATA_URI_V4")
        let controllerURL = try required("MESH_HEARTBEAT_URL")
        for (name, url) in [("ECS_CONTAINER_METADATA_URI_V4", metadataURI), ("MESH_HEARTBEAT_URL", controllerURL)] {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw HeartbeatAgentConfigurationError(variable: name, reason: "must be an http(s) URL")
            }
        }
        let token: String
        if let own = environment["MESH_HEARTBEAT_TOKEN"], !own.isEmpty {
            token = own
        } else if let consul = environment["CONSUL_HTTP_TOKEN"], !consul.isEmpty {
            token = consul
        } else {
            throw HeartbeatAgentConfigurationError(variable: "MESH_HEARTBEAT_TOKEN", reason: "set it or CONSUL_HTTP_TOKEN to the service's token")
        }
        let interval = try seconds("MESH_HEARTBEAT_INTERVAL_SECONDS", default: 5)
        let containers = environment["MESH_HEARTBEAT_CONTAINERS"].map {
            $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        self.init(
            metadataURI: metadataURI, controllerURL: controllerURL, token: token, interval: interval,
            requestTimeout: try seconds("MESH_HEARTBEAT_TIMEOUT_SECONDS", default: 2),
            maxBackoff: environment["MESH_HEARTBEAT_BACKOFF_MAX_SECONDS"] == nil
                ? interval : try seconds("MESH_HEARTBEAT_BACKOFF_MAX_SECONDS", default: 5),
            containers: containers?.isEmpty == true ? nil : containers,
            selfContainerName: environment["MESH_HEARTBEAT_CONTAINER_NAME"].flatMap { $0.isEmpty ? nil : $0 }
        )
    }
}

/// A sidecar setting that cannot be used; the message names the environment variable.
public struct HeartbeatAgentConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var variable: String
    public var reason: String
    public var description: String { "\(variable) \(reason)" }
}
