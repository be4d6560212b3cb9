/// A Consul token secret (the value of `X-Consul-Token`, an ACL token's `SecretID`).
///
/// Wrapping the string keeps it out of logs and error texts by accident: `description`,
/// `debugDescription` and `dump()` print `<redacted>`. Only ``secret`` hands the value out, for the
/// request header and for writing it where it belongs (Consul, Secrets Manager).
public struct ConsulToken: Hashable, Sendable, Codable, CustomStringConvertible,
    CustomDebugStringConvertible, CustomReflectable
{
    /// The secret itself. Do not log it.
    public let secret: String

    public init(_ secret: String) { self.secret = secret }

    public init(from decoder: any Decoder) throws {
        self.secret = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(secret)
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "ConsulToken(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
