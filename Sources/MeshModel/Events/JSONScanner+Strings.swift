import Foundation

/// Strings: scanning with validation (escapes, UTF-8, control characters), reading and unescaping spans.
extension JSONScanner {
    /// Consumes a string starting at its opening quote, validating escapes and UTF-8.
    mutating func scanString() throws(EventDecodingError) -> StringSpan {
        position += 1  // opening quote
        let start = position
        var hasEscapes = false
        while true {
            skipPlainStringBytes()
            guard position < end else { break }
            let byte = base[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return StringSpan(start: start, end: position - 1, hasEscapes: hasEscapes)
            } else if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                try skipEscape()
            } else if byte < 0x20 {
                throw .malformedJSON(detail: "unescaped control character in string at byte \(position)")
            } else if byte < 0x80 {
                position += 1
            } else {
                try skipUTF8Sequence()
            }
        }
        throw unexpectedEnd()
    }

    /// Skips string bytes that need no attention (printable ASCII other than `"` and `\`) eight at a
    /// time: the scanner spends most of its time inside strings, and events are mostly ASCII.
    @inline(__always)
    private mutating func skipPlainStringBytes() {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        while end - position >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self))
            let quote = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
            let backslash = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
            // A byte's high bit is set in `special` for `"`, `\`, a control character, or a non-ASCII byte
            // (the classic "has zero byte" / "has byte less than n" tricks). Borrows only run upward,
            // so the lowest flagged byte is always a real one.
            let special = (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
                | ((word &- ones &* 0x20) & ~word) | word) & highBits
            guard special == 0 else {
                position += special.trailingZeroBitCount / 8
                return
            }
            position += 8
        }
    }

    /// The raw bytes of a span (escapes not processed).
    func bytes(_ span: StringSpan) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + span.start, count: span.end - span.start)
    }

    /// The string value of a span, with escapes processed. The span was validated by ``scanString()``.
    func string(_ span: StringSpan) -> String {
        guard span.hasEscapes else {
            return String(decoding: UnsafeBufferPointer(start: base + span.start, count: span.end - span.start),
                          as: UTF8.self)
        }
        return String(decoding: unescaped(span), as: UTF8.self)
    }

    /// Whether a span's value equals `literal` (an ASCII member name).
    @inline(__always)
    func equals(_ span: StringSpan, _ literal: StaticString) -> Bool {
        if span.hasEscapes { return unescaped(span).elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)) }
        let count = literal.utf8CodeUnitCount
        return span.end - span.start == count && memcmp(base + span.start, literal.utf8Start, count) == 0
    }

    // MARK: Escapes and UTF-8

    /// Decodes the escapes of a validated span into UTF-8 bytes.
    private func unescaped(_ span: StringSpan) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(span.end - span.start)
        var i = span.start
        while i < span.end {
            let byte = base[i]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                i += 1
                continue
            }
            let escape = base[i + 1]
            i += 2
            switch escape {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {  // validated: a low surrogate escape follows
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (hex4(i + 2) - 0xDC00)
                    i += 6
                }
                out.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar)!)!)
            default: out.append(escape)  // \" \\ \/
            }
        }
        return out
    }

    private mutating func skipEscape() throws(EventDecodingError) {
        let at = position
        guard end - position >= 2 else { throw unexpectedEnd() }
        switch base[position + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            position += 2
        case UInt8(ascii: "u"):
            guard end - position >= 6, isHex4(position + 2) else { throw invalidEscape(at) }
            let unit = hex4(position + 2)
            position += 6
            if (0xDC00...0xDFFF).contains(unit) { throw invalidEscape(at) }
            if (0xD800...0xDBFF).contains(unit) {
                guard end - position >= 6, base[position] == UInt8(ascii: "\\"), base[position + 1] == UInt8(ascii: "u"),
                      isHex4(position + 2), (0xDC00...0xDFFF).contains(hex4(position + 2)) else { throw invalidEscape(at) }
                position += 6
            }
        default:
            throw invalidEscape(at)
        }
    }

    /// Validates one multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
    private mutating func skipUTF8Sequence() throws(EventDecodingError) {
        let lead = base[position]
        let count: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF  // allowed range of the second byte
        switch lead {
        case 0xC2...0xDF: count = 2
        case 0xE0: count = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: count = 3
        case 0xED: count = 3; high = 0x9F
        case 0xF0: count = 4; low = 0x90
        case 0xF1...0xF3: count = 4
        case 0xF4: count = 4; high = 0x8F
        default: throw invalidUTF8()
        }
        guard end - position >= count else { throw invalidUTF8() }
        let second = base[position + 1]
        guard second >= low, second <= high else { throw invalidUTF8() }
        for k in 2..<count where base[position + k] & 0xC0 != 0x80 { throw invalidUTF8() }
        position += count
    }

    private func isHex4(_ at: Int) -> Bool {
        (at..<(at + 4)).allSatisfy { hexValue(base[$0]) != nil }
    }

    /// The value of four hex digits already validated by ``isHex4(_:)``.
    private func hex4(_ at: Int) -> UInt32 {
        (at..<(at + 4)).reduce(0) { $0 << 4 | UInt32(hexValue(base[$1]) ?? 0) }
    }

    private func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private func invalidEscape(_ at: Int) -> EventDecodingError {
        .malformedJSON(detail: "invalid escape sequence at byte \(at)")
    }

    private func invalidUTF8() -> EventDecodingError {
        .malformedJSON(detail: "invalid UTF-8 at byte \(position)")
    }
}
