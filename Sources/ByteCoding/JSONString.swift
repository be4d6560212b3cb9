/// JSON string literals (RFC 8259 §7) for hand-written JSON on hot paths: the one JSON escaper in
/// the package. `"` and `\` are escaped, as are control characters (`\n`, `\r`, `\t`, otherwise
/// `\u00XX`); everything else, including non-ASCII UTF-8, is copied as it is.
public enum JSONString {
    /// Appends `text` as a quoted JSON string literal.
    @inlinable
    public static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                Hex.append(byte, to: &out)
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends `text` as a quoted JSON string literal to a `String`.
    @inlinable
    public static func appendQuoted(_ text: String, to out: inout String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        appendQuoted(text, to: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }
}
