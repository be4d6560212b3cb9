/// The JSON value of a service's Secrets Manager secret: `{"accessor_id": "…", "token": "…"}`,
/// byte-compatible with consul-ecs (`tokenSecretJSON`, facts §1.3).
///
/// A secret that Terraform created as `{}` does not decode; the worker then generates the IDs with
/// ``generate(using:)``. Descriptions redact the token, so logging this value never leaks it.
public struct TokenSecret: Sendable, Equatable, Codable, CustomStringConvertible,
    CustomDebugStringConvertible, CustomReflectable
{
    /// The Consul token's AccessorID (public; safe to log and to journal).
    public var accessorID: String
    /// The Consul token's SecretID. Never log it.
    public var token: String

    enum CodingKeys: String, CodingKey {
        case accessorID = "accessor_id"
        case token
    }

    public init(accessorID: String, token: String) {
        self.accessorID = accessorID
        self.token = token
    }

    /// Fresh random IDs (UUID v4, lower-case, as Consul formats them).
    public static func generate(using generator: inout some RandomNumberGenerator) -> TokenSecret {
        TokenSecret(accessorID: uuidV4(using: &generator), token: uuidV4(using: &generator))
    }

    /// Fresh IDs from the system's cryptographically secure generator.
    public static func generate() -> TokenSecret {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    public var description: String { "TokenSecret(accessorID: \(accessorID), token: <redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["accessorID": accessorID, "token": "<redacted>"])
    }

    /// A version-4 UUID string from 16 random bytes (RFC 9562 §5.4).
    static func uuidV4(using generator: inout some RandomNumberGenerator) -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { byte in
            let text = String(byte, radix: 16)
            return byte < 0x10 ? "0" + text : text
        }
        return [0..<4, 4..<6, 6..<8, 8..<10, 10..<16]
            .map { hex[$0].joined() }
            .joined(separator: "-")
    }
}
