/// Why a configuration could not be used; always names the offending key so an operator can fix it.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration key, in file notation (`server.public.port`).
    public var key: String
    /// What is wrong with it.
    public var reason: String

    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "invalid configuration \"\(key)\": \(reason)" }
}
