import Crypto

/// Hexadecimal digits: the one encoder and decoder of hex in the package.
///
/// ```swift
/// Hex.encode([0xDE, 0xAD])           // "dead"
/// Hex.sha256("secret")               // 64 lower-case digits
/// Hex.decode("dead")                 // [0xDE, 0xAD]
/// ```
public enum Hex {
    @usableFromInline static let lowerDigits: StaticString = "0123456789abcdef"
    @usableFromInline static let upperDigits: StaticString = "0123456789ABCDEF"

    /// The ASCII digit for the low four bits of `nibble`.
    @inlinable
    public static func digit(_ nibble: UInt8, uppercase: Bool = false) -> UInt8 {
        (uppercase ? upperDigits : lowerDigits).utf8Start[Int(nibble & 0x0F)]
    }

    /// The value of one hex digit (either case), or `nil` for any other byte.
    @inlinable
    public static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Appends the two digits of `byte`, high nibble first.
    @inlinable
    public static func append(_ byte: UInt8, to out: inout [UInt8], uppercase: Bool = false) {
        out.append(digit(byte >> 4, uppercase: uppercase))
        out.append(digit(byte, uppercase: uppercase))
    }

    /// Two lower-case (or upper-case) digits per byte.
    @inlinable
    public static func encode(_ bytes: some Sequence<UInt8>, uppercase: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes { append(byte, to: &out, uppercase: uppercase) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of an even-length run of hex digits (either case); `nil` for anything else.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    /// Lower-case hex of the SHA-256 of `bytes` (64 digits).
    public static func sha256(_ bytes: [UInt8]) -> String {
        var hasher = SHA256()
        bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return encode(hasher.finalize())
    }

    /// Lower-case hex of the SHA-256 of `text`'s UTF-8 bytes (64 digits).
    public static func sha256(_ text: String) -> String {
        sha256(Array(text.utf8))
    }
}
