import ErrorClassification
public import Foundation

/// Where the ECS container credentials endpoint is and how to authenticate to it, from the
/// environment, with botocore's rules:
///
/// - `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` → `http://169.254.170.2<uri>` (wins over the full URI);
/// - else `AWS_CONTAINER_CREDENTIALS_FULL_URI`, allowed only for `https`, a loopback IP, or the hosts
///   `169.254.170.2`, `169.254.170.23`, `fd00:ec2::23`, `localhost`;
/// - `Authorization` from the file named by `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (re-read on every
///   fetch, it rotates), else `AWS_CONTAINER_AUTHORIZATION_TOKEN`; values with CR or LF are rejected.
public struct ContainerCredentialEndpoint: Sendable, Equatable {
    /// Where the token for the `Authorization` header comes from.
    public enum AuthorizationSource: Sendable, Equatable {
        /// Read the file at this path on every fetch.
        case file(String)
        /// A fixed token (its value is never printed).
        case token(String)
    }

    static let ecsHost = "169.254.170.2"
    static let allowedHosts: Set<String> = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost"]

    /// The URL to GET.
    public var url: URL
    /// Where the `Authorization` header comes from, if any.
    public var authorization: AuthorizationSource?

    /// Creates an endpoint explicitly.
    public init(url: URL, authorization: AuthorizationSource? = nil) {
        self.url = url
        self.authorization = authorization
    }

    /// Resolves the endpoint from `environment`.
    /// - Returns: `nil` when neither URI variable is set (the provider is not configured).
    /// - Throws: ``ConfigurationError`` when the full URI is malformed or its host is not allowed.
    public static func resolve(environment: [String: String]) throws -> ContainerCredentialEndpoint? {
        let url: URL
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            let path = relative.hasPrefix("/") ? relative : "/" + relative
            guard let resolved = URL(string: "http://\(ecsHost)\(path)") else {
                throw ConfigurationError.aws(key: "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", reason: "not a valid URI path")
            }
            url = resolved
        } else if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty {
            guard let resolved = URL(string: full), let scheme = resolved.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", let host = resolved.host, !host.isEmpty
            else {
                throw ConfigurationError.aws(key: "AWS_CONTAINER_CREDENTIALS_FULL_URI", reason: "not an absolute http(s) URL")
            }
            guard scheme == "https" || isAllowedHost(host) else {
                throw ConfigurationError.aws(
                    key: "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                    reason: "host \(host) is not allowed over http (use https, a loopback address, or one of "
                        + allowedHosts.sorted().joined(separator: ", ") + ")"
                )
            }
            url = resolved
        } else {
            return nil
        }

        var authorization: AuthorizationSource?
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], !file.isEmpty {
            authorization = .file(file)
        } else if let token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"] {
            try validateToken(token)
            authorization = .token(token)
        }
        return ContainerCredentialEndpoint(url: url, authorization: authorization)
    }

    /// The `Authorization` header value for one fetch, reading the token file if configured.
    /// - Throws: ``AWSCredentialError`` when the file can't be read or the token has CR/LF.
    func authorizationHeader() throws -> String? {
        switch authorization {
        case nil:
            return nil
        case .token(let token):
            try Self.validateToken(token)
            return token
        case .file(let path):
            let token: String
            do {
                token = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
            } catch {
                throw AWSCredentialError(.invalidConfiguration, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
            }
            try Self.validateToken(token)
            return token
        }
    }

    /// Hosts allowed over plain http: loopback IPs (any `127.x.y.z`, `::1`) and the fixed list.
    static func isAllowedHost(_ rawHost: String) -> Bool {
        var host = rawHost.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if allowedHosts.contains(host) { return true }
        if host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    private static func validateToken(_ token: String) throws {
        if token.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw AWSCredentialError(.invalidConfiguration, "container authorization token contains CR or LF")
        }
    }
}

extension ContainerCredentialEndpoint.AuthorizationSource: CustomStringConvertible {
    /// Names the source without the token.
    public var description: String {
        switch self {
        case .file(let path): return "file(\(path))"
        case .token: return "token(<redacted>)"
        }
    }
}
