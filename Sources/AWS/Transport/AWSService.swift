public import Foundation

/// One awsJson1_1 service endpoint: where to POST, how to sign, which target prefix.
public struct AWSService: Sendable, Equatable {
    /// The SigV4 signing name (credential scope service), e.g. `secretsmanager`, `ecs`.
    public var signingName: String
    /// The `X-Amz-Target` prefix, e.g. `secretsmanager`, `AmazonEC2ContainerServiceV20141113`.
    public var targetPrefix: String
    /// The endpoint URL (see ``AWSEndpoints``).
    public var endpoint: URL
    /// The signing region.
    public var region: String

    /// Creates a service description.
    public init(signingName: String, targetPrefix: String, endpoint: URL, region: String) {
        self.signingName = signingName
        self.targetPrefix = targetPrefix
        self.endpoint = endpoint
        self.region = region
    }

    /// Secrets Manager (2017-10-17).
    public static func secretsManager(endpoint: URL, region: String) -> AWSService {
        AWSService(signingName: "secretsmanager", targetPrefix: "secretsmanager", endpoint: endpoint, region: region)
    }

    /// ECS (2014-11-13).
    public static func ecs(endpoint: URL, region: String) -> AWSService {
        AWSService(signingName: "ecs", targetPrefix: "AmazonEC2ContainerServiceV20141113", endpoint: endpoint, region: region)
    }

    /// The `Host` header: the host, bracketed if IPv6, plus `:port` unless it is the scheme's default
    /// (SigV4 signs it exactly as sent).
    var hostHeader: String {
        var host = endpoint.host ?? ""
        if host.contains(":"), !host.hasPrefix("[") { host = "[\(host)]" }
        let scheme = endpoint.scheme?.lowercased()
        if let port = endpoint.port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) {
            host += ":\(port)"
        }
        return host
    }

    /// The path to POST to: the endpoint's own path, or `/`.
    var path: String {
        let path = endpoint.path
        return path.isEmpty ? "/" : path
    }
}
