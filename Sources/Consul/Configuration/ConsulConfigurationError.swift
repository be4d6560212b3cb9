/// A Consul setting that cannot be used; names the key so the operator can fix it.
public struct ConsulConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The environment key (or setting) at fault, e.g. `CONSUL_HTTP_ADDR`.
    public let key: String
    /// Why its value was rejected. Never contains a token.
    public let reason: String

    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    static func invalidValue(key: String, reason: String) -> Self { Self(key: key, reason: reason) }

    public var description: String { "invalid \(key): \(reason)" }
}
