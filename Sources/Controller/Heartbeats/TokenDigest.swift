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
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in 0..<32 {
            guard let high = Self.nibble(utf8[2 * index]), let low = Self.nibble(utf8[2 * index + 1]) else { return nil }
            bytes[index] = high << 4 | low
        }
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

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
