public import Foundation

/// An access key pair, optionally temporary (session token plus expiry).
///
/// The description never shows the secret key or the session token, so a credentials value that
/// ends up in a log line or an error message leaks nothing but the access key ID's first characters.
public struct AWSCredentials: Sendable, Equatable {
    /// The access key ID (`AKIA…` for long-term keys, `ASIA…` for temporary ones).
    public var accessKeyID: String
    /// The secret access key; only ever used to derive the signing key.
    public var secretAccessKey: String
    /// The session token of temporary credentials; sent as `X-Amz-Security-Token`.
    public var sessionToken: String?
    /// When temporary credentials stop working; `nil` for long-term keys.
    public var expiration: Date?

    /// Creates credentials.
    /// - Parameters:
    ///   - accessKeyID: The access key ID.
    ///   - secretAccessKey: The secret access key.
    ///   - sessionToken: The session token of temporary credentials.
    ///   - expiration: When temporary credentials expire.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }
}

extension AWSCredentials: CustomStringConvertible, CustomDebugStringConvertible {
    /// Redacted: the first four characters of the key ID and whether a session token is present.
    public var description: String {
        let prefix = String(accessKeyID.prefix(4))
        let token = sessionToken == nil ? "no" : "yes"
        let expiry = expiration.map { ", expiration: \($0)" } ?? ""
        return "AWSCredentials(accessKeyID: \(prefix)…, secretAccessKey: <redacted>, sessionToken: \(token)\(expiry))"
    }

    public var debugDescription: String { description }
}

/// Something that can produce AWS credentials, possibly by calling out (ECS container endpoint).
///
/// Implementations must be safe to call concurrently; ``AWSCredentialChain`` adds caching on top.
public protocol AWSCredentialProvider: Sendable {
    /// Returns credentials that are valid now.
    /// - Throws: ``AWSCredentialError`` when no credentials can be obtained.
    func credentials() async throws -> AWSCredentials

    /// Forgets cached credentials, so the next ``credentials()`` fetches fresh ones. Called when a
    /// service rejects a request as signed with expired credentials. Default: nothing to forget.
    func invalidate() async
}

extension AWSCredentialProvider {
    public func invalidate() async {}
}

/// A provider that always returns the same credentials (tests, explicit configuration).
public struct StaticCredentialProvider: AWSCredentialProvider {
    private let value: AWSCredentials

    /// Creates a provider for fixed credentials.
    public init(_ credentials: AWSCredentials) {
        self.value = credentials
    }

    public func credentials() async throws -> AWSCredentials { value }
}
