/// Where the Consul HTTP API listens: scheme, host and port (no path).
public struct ConsulEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// `http` or `https`.
    public enum Scheme: String, Hashable, Sendable {
        case http, https

        /// The port a URL of this scheme means when it names none (Go's `net/url`, as Consul's API client).
        var defaultPort: Int { self == .http ? 80 : 443 }
    }

    public var scheme: Scheme
    /// Host name or IP literal; IPv6 without brackets.
    public var host: String
    public var port: Int

    public init(scheme: Scheme, host: String, port: Int) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// Consul's default: `http://127.0.0.1:8500`.
    public static let localAgent = ConsulEndpoint(scheme: .http, host: "127.0.0.1", port: 8500)

    /// The base URL, e.g. `http://127.0.0.1:8500` or `https://[::1]:8501`.
    public var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(scheme.rawValue)://\(hostPart):\(port)"
    }
}
