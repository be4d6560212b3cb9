/// Percent-encoding (RFC 3986 §2.1): the one encoder and decoder of `%XX` escapes in the package.
public enum PercentEncoding {
    /// Whether `byte` is an RFC 3986 unreserved character (`A-Z a-z 0-9 - . _ ~`).
    @inlinable
    public static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// Escapes every UTF-8 byte of `string` that `keep` rejects as `%XX`, with upper-case hex.
    /// - Parameters:
    ///   - keep: The bytes written as they are; the RFC 3986 unreserved set by default.
    @inlinable
    public static func encode(_ string: String, keeping keep: (UInt8) -> Bool = isUnreserved) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            if keep(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                Hex.append(byte, to: &out, uppercase: true)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `byte` stays as it is in a URL path segment: RFC 3986 unreserved, `:` and `@`. `/`
    /// is escaped, so a segment holding one (a cluster ARN, a work key) stays one segment.
    @inlinable
    public static func isKeptInPathSegment(_ byte: UInt8) -> Bool {
        isUnreserved(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "@")
    }

    /// `string` as one URL path segment (see ``isKeptInPathSegment(_:)``).
    public static func encodePathSegment(_ string: String) -> String {
        encode(string, keeping: isKeptInPathSegment)
    }

    /// `?a=b&c=d`, or the empty string for no items; names and values keep only unreserved bytes
    /// (so `+` is sent as `%2B`, never read as a space).
    public static func queryString(_ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return "" }
        return "?" + items.map { name, value in encode(name) + "=" + encode(value) }.joined(separator: "&")
    }

    /// Decodes `%XX` escapes; a malformed escape is kept literally (as botocore's `unquote` does).
    /// Invalid UTF-8 in the result becomes U+FFFD.
    /// - Parameter plusAsSpace: Whether `+` means a space (form encoding, query strings).
    @inlinable
    public static func decode(_ bytes: some Collection<UInt8>, plusAsSpace: Bool = false) -> String {
        let needsWork = bytes.contains { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }
        guard needsWork else { return String(decoding: bytes, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                let first = bytes.index(after: index)
                if first != bytes.endIndex {
                    let second = bytes.index(after: first)
                    if second != bytes.endIndex, let high = Hex.value(bytes[first]), let low = Hex.value(bytes[second]) {
                        output.append(high << 4 | low)
                        index = bytes.index(after: second)
                        continue
                    }
                }
                output.append(byte)
            } else if plusAsSpace && byte == UInt8(ascii: "+") {
                output.append(UInt8(ascii: " "))
            } else {
                output.append(byte)
            }
            index = bytes.index(after: index)
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes `%XX` escapes in `string` (see ``decode(_:plusAsSpace:)``).
    @inlinable
    public static func decode(_ string: String, plusAsSpace: Bool = false) -> String {
        decode(string.utf8, plusAsSpace: plusAsSpace)
    }
}
