/// How to reach Consul: endpoint, token, TLS trust, and the bounds of each call.
///
/// A plain value. ``init(environment:)`` reads the variables Consul's own CLI and API client read, from
/// a dictionary the caller passes in (the library never reads the process environment itself).
public struct ConsulConfiguration: Sendable, Equatable {
    /// Where the CA that signs Consul's HTTPS certificate comes from.
    public enum CertificateAuthority: Sendable, Equatable {
        /// A PEM file on disk (`CONSUL_CACERT`).
        case file(path: String)
        /// PEM text (`CONSUL_CACERT_PEM`, as consul-ecs passes it from Secrets Manager).
        case pem(String)
    }

    /// Default bound of one call when the caller gives no deadline.
    public static let defaultRequestTimeout: Duration = .seconds(10)
    /// Largest response body read; token lists and catalogs of big clusters stay well below it.
    public static let defaultMaxResponseBytes = 32 * 1024 * 1024

    /// The Consul HTTP API to talk to.
    public var endpoint: ConsulEndpoint
    /// Sent as `X-Consul-Token` on every call; `nil` sends none (anonymous).
    public var token: ConsulToken?
    /// Extra trust root for HTTPS; `nil` trusts the system roots only.
    public var certificateAuthority: CertificateAuthority?
    /// `false` turns certificate verification off (`CONSUL_HTTP_SSL_VERIFY=false`); for tests only.
    public var verifyCertificates: Bool
    /// Bound of one call when the caller passes no deadline.
    public var requestTimeout: Duration
    /// Largest response body accepted.
    public var maxResponseBytes: Int

    public init(
        endpoint: ConsulEndpoint = .localAgent,
        token: ConsulToken? = nil,
        certificateAuthority: CertificateAuthority? = nil,
        verifyCertificates: Bool = true,
        requestTimeout: Duration = Self.defaultRequestTimeout,
        maxResponseBytes: Int = Self.defaultMaxResponseBytes
    ) {
        self.endpoint = endpoint
        self.token = token
        self.certificateAuthority = certificateAuthority
        self.verifyCertificates = verifyCertificates
        self.requestTimeout = requestTimeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// A copy with another token (e.g. to act as a service's own token).
    public func with(token: ConsulToken?) -> Self {
        var copy = self
        copy.token = token
        return copy
    }
}
