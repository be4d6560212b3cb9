import ErrorClassification
public import Foundation

/// Where to send Secrets Manager and ECS calls, and the region to sign for.
///
/// Resolved like the AWS SDKs: `AWS_ENDPOINT_URL_<SERVICE_ID>` beats `AWS_ENDPOINT_URL` beats the
/// default `https://<service>.<region>.amazonaws.com`; `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`
/// disables both overrides. The region comes from `AWS_REGION`, else `AWS_DEFAULT_REGION`
/// (ECS sets both in tasks).
///
/// ```swift
/// let endpoints = try AWSEndpoints(environment: ProcessInfo.processInfo.environment)
/// let secrets = SecretsManagerClient(client: http, endpoint: endpoints.secretsManager,
///                                    region: endpoints.region, credentials: chain, logger: logger)
/// ```
public struct AWSEndpoints: Sendable, Equatable {
    /// The region for signing and for the default endpoints.
    public var region: String
    /// The Secrets Manager endpoint.
    public var secretsManager: URL
    /// The ECS endpoint.
    public var ecs: URL

    /// Creates endpoints explicitly.
    public init(region: String, secretsManager: URL, ecs: URL) {
        self.region = region
        self.secretsManager = secretsManager
        self.ecs = ecs
    }

    /// Resolves endpoints and region from environment variables.
    /// - Parameter environment: The process environment (the executable passes it in).
    /// - Throws: ``ConfigurationError`` naming the variable when no region is set or an endpoint
    ///   URL is not an absolute `http`/`https` URL.
    public init(environment: [String: String]) throws {
        guard let region = Self.nonEmpty(environment["AWS_REGION"]) ?? Self.nonEmpty(environment["AWS_DEFAULT_REGION"])
        else {
            throw ConfigurationError.aws(key: "AWS_REGION", reason: "no region set (AWS_REGION or AWS_DEFAULT_REGION)")
        }
        self.region = region
        self.secretsManager = try Self.endpoint(
            service: "secretsmanager", serviceKey: "SECRETS_MANAGER", region: region, environment: environment
        )
        self.ecs = try Self.endpoint(service: "ecs", serviceKey: "ECS", region: region, environment: environment)
    }

    /// The default AWS endpoint for a service in a region (the `aws` partition; China regions use
    /// `amazonaws.com.cn`).
    public static func defaultEndpoint(service: String, region: String) -> URL {
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return URL(string: "https://\(service).\(region).\(suffix)")!
    }

    private static func endpoint(
        service: String, serviceKey: String, region: String, environment: [String: String]
    ) throws -> URL {
        let ignoresConfigured = environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() == "true"
        if !ignoresConfigured {
            for key in ["AWS_ENDPOINT_URL_\(serviceKey)", "AWS_ENDPOINT_URL"] {
                if let value = nonEmpty(environment[key]) {
                    return try parse(value, key: key)
                }
            }
        }
        return defaultEndpoint(service: service, region: region)
    }

    private static func parse(_ value: String, key: String) throws -> URL {
        guard let url = URL(string: value), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else {
            throw ConfigurationError.aws(key: key, reason: "not an absolute http(s) URL")
        }
        return url
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }
}
