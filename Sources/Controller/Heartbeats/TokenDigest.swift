import ByteCoding
import Crypto

/// The SHA-256 of a token secret as four words: hashable (a dictionary key) and comparable in
/// constant time. swift-crypto's `SHA256Digest` cannot be made from the hex the journal stores.
public struct TokenDigest: Sendable, Hashable {
    let words: (UInt64, UInt64, UInt64, UInt64)

    /// Hashes a token as presented in `X-Consul-Token`.
    public init(token: String) {
        var bytes = [UInt8](repeating: 0, count: 32)
        let digest = SHA256.hash(data: Array(token.utf8))
        digest.withUnsafeBytes { raw in
            for index in 0..<min(32, raw.count) { bytes[index] = raw[index] }
        }
        self.init(bytes: bytes)
    }

    /// Parses the journal's lower- (or upper-) case hex; `nil` unless exactly 64 hex digits.
    public init?(hex: String) {
        guard hex.utf8.count == 64, let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    private init(bytes: [UInt8]) {
        func word(_ at: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in at..<(at + 8) { value = value << 8 | UInt64(bytes[index]) }
            return value
        }
        words = (word(0), word(8), word(16), word(24))
    }

    /// Equality without an early exit, so timing does not tell which part matched.
    public func constantTimeEquals(_ other: TokenDigest) -> Bool {
        let difference = (words.0 ^ other.words.0) | (words.1 ^ other.words.1)
            | (words.2 ^ other.words.2) | (words.3 ^ other.words.3)
        return difference == 0
    }

    public static func == (lhs: TokenDigest, rhs: TokenDigest) -> Bool { lhs.constantTimeEquals(rhs) }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
