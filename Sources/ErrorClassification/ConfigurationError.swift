/// A setting that is missing or cannot be used: the key at fault and why, so the operator can fix
/// it. Raised at startup, before any work, so the process fails fast.
///
/// One type for every source of settings (the controller's configuration, AWS's and Consul's
/// environment variables, the parts of a PostgreSQL URL); ``scope`` says which, and so how the
/// message reads. The reason never holds a secret (a token, a password, a URL with a password).
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the key comes from.
    public enum Scope: Sendable, Hashable {
        /// A key of the controller's configuration, in file notation (`server.public.port`).
        case controller
        /// An AWS environment variable, e.g. `AWS_REGION`.
        case aws
        /// A Consul environment variable (or setting), e.g. `CONSUL_HTTP_ADDR`.
        case consul
        /// A part of a PostgreSQL URL, or a connection setting: `scheme`, `host`, `port`, `user`,
        /// `database`, `sslmode`, `sslrootcert`, `connect_timeout`, a query parameter's name, or `password`.
        case postgres
    }

    /// The key at fault.
    public var key: String
    /// What is wrong with it, in a sentence that names no secret.
    public var reason: String
    public var scope: Scope

    public init(key: String, reason: String, scope: Scope = .controller) {
        self.key = key
        self.reason = reason
        self.scope = scope
    }

    /// An AWS environment variable at fault.
    public static func aws(key: String, reason: String) -> Self { Self(key: key, reason: reason, scope: .aws) }

    /// A Consul environment variable (or setting) at fault.
    public static func consul(key: String, reason: String) -> Self { Self(key: key, reason: reason, scope: .consul) }

    /// A part of a PostgreSQL URL, or a connection setting, at fault.
    public static func postgres(field: String, reason: String) -> Self { Self(key: field, reason: reason, scope: .postgres) }

    public var description: String {
        switch scope {
        case .controller: "invalid configuration \"\(key)\": \(reason)"
        case .aws: "AWS configuration \(key): \(reason)"
        case .consul: "invalid \(key): \(reason)"
        case .postgres: "\(key): \(reason)"
        }
    }
}
