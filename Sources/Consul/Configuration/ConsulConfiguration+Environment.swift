public import ErrorClassification
import Foundation

extension ConsulConfiguration {
    /// Builds a configuration from Consul's standard environment variables.
    ///
    /// | Key | Type | Default |
    /// |-----|------|---------|
    /// | `CONSUL_HTTP_ADDR` | `host:port`, `http://host:port` or `https://host:port` (IPv6 in brackets) | `127.0.0.1:8500` |
    /// | `CONSUL_HTTP_SSL` | bool (`true`/`false`/`1`/`0`); `https` when the address names no scheme | `false` |
    /// | `CONSUL_HTTP_TOKEN` | token secret, sent as `X-Consul-Token` | none |
    /// | `CONSUL_CACERT` | path of a PEM CA file for HTTPS | system roots |
    /// | `CONSUL_CACERT_PEM` | PEM text of the CA (used when `CONSUL_CACERT` is unset) | system roots |
    /// | `CONSUL_HTTP_SSL_VERIFY` | bool; `false` skips certificate verification | `true` |
    ///
    /// An address without a port takes its scheme's port (80/443), as Consul's Go client does.
    /// Empty values count as unset.
    /// - Parameter environment: the variables, e.g. `ProcessInfo.processInfo.environment`.
    /// - Throws: ``ConfigurationError`` naming the key whose value is invalid.
    public init(environment: [String: String]) throws(ConfigurationError) {
        func value(_ key: String) -> String? {
            guard let raw = environment[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty
            else { return nil }
            return raw
        }
        let useTLS = try Self.parseBool(value("CONSUL_HTTP_SSL"), key: "CONSUL_HTTP_SSL") ?? false
        let endpoint: ConsulEndpoint
        if let address = value("CONSUL_HTTP_ADDR") {
            endpoint = try Self.parseEndpoint(address, defaultScheme: useTLS ? .https : .http)
        } else {
            var local = ConsulEndpoint.localAgent
            if useTLS { local.scheme = .https }
            endpoint = local
        }
        var authority: CertificateAuthority?
        if let path = value("CONSUL_CACERT") {
            authority = .file(path: path)
        } else if let pem = value("CONSUL_CACERT_PEM") {
            authority = .pem(pem)
        }
        self.init(
            endpoint: endpoint,
            token: value("CONSUL_HTTP_TOKEN").map(ConsulToken.init),
            certificateAuthority: authority,
            verifyCertificates: try Self.parseBool(value("CONSUL_HTTP_SSL_VERIFY"), key: "CONSUL_HTTP_SSL_VERIFY") ?? true
        )
    }

    /// Parses `CONSUL_HTTP_ADDR`: `[scheme://]host[:port][/]`.
    static func parseEndpoint(
        _ address: String, defaultScheme: ConsulEndpoint.Scheme
    ) throws(ConfigurationError) -> ConsulEndpoint {
        let key = "CONSUL_HTTP_ADDR"
        var rest = Substring(address)
        var scheme = defaultScheme
        if let range = rest.range(of: "://") {
            let name = rest[..<range.lowerBound].lowercased()
            guard let parsed = ConsulEndpoint.Scheme(rawValue: name) else {
                throw .consul(key: key, reason: "unsupported scheme '\(name)' (use http or https)")
            }
            scheme = parsed
            rest = rest[range.upperBound...]
        }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), !rest.contains("?"), !rest.contains("#") else {
            throw .consul(key: key, reason: "must be host[:port] without a path")
        }
        let host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw .consul(key: key, reason: "unterminated '[' in IPv6 address")
            }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .consul(key: key, reason: "junk after ']'") }
                portText = after.dropFirst()
            }
        } else if rest.filter({ $0 == ":" }).count > 1 {
            host = rest  // bare IPv6 literal, no port
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw .consul(key: key, reason: "missing host") }
        var port = scheme.defaultPort
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw .consul(key: key, reason: "invalid port '\(portText)'")
            }
            port = number
        }
        return ConsulEndpoint(scheme: scheme, host: String(host), port: port)
    }

    /// Go's `strconv.ParseBool` spellings, which Consul's client accepts.
    static func parseBool(_ text: String?, key: String) throws(ConfigurationError) -> Bool? {
        guard let text else { return nil }
        switch text {
        case "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default: throw .consul(key: key, reason: "'\(text)' is not a boolean")
        }
    }
}
