import Foundation

/// A cursor over UTF-8 JSON bytes that validates syntax while it moves and never builds a tree.
///
/// Why hand-written: the event decoder runs for every webhook request and needs about 15 fields of
/// a ~3 KB event. Foundation's `JSONDecoder` (even into a minimal struct) and `JSONSerialization`
/// cost several times more; this scanner is a single pass without allocation except for the
/// strings the caller asks for (figures in `docs/benchmarks-history.md`).
///
/// It accepts exactly RFC 8259 JSON in UTF-8: strings must be valid UTF-8 with no raw control
/// characters, escapes are checked (including surrogate pairs), numbers follow the grammar, and
/// nesting is limited to ``maxDepth`` so hostile input cannot exhaust the stack.
/// Syntax errors throw ``EventDecodingError/malformedJSON(detail:)`` with the byte offset.
///
/// Not thread-safe; it lives on the stack of one `decode` call, over a buffer that outlives it.
struct JSONScanner {
    /// Deepest nesting of objects and arrays accepted.
    static let maxDepth = 64

    /// A string's content (between the quotes) in the buffer.
    struct StringSpan {
        var start: Int
        var end: Int
        /// Whether the content has a backslash, so it must be unescaped before use.
        var hasEscapes: Bool
    }

    /// A number's text in the buffer.
    struct NumberSpan {
        var start: Int
        var end: Int
        /// No fraction and no exponent.
        var isInteger: Bool
    }

    /// The JSON type of the next value, read from its first byte.
    enum Kind: Equatable {
        case object, array, string, number, bool, null
    }

    let base: UnsafePointer<UInt8>
    let end: Int
    var position: Int
    private var depth = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        self.end = bytes.count
        self.position = 0
    }

    var isAtEnd: Bool { position >= end }

    // MARK: Structure

    @inline(__always)
    mutating func skipWhitespace() {
        while position < end {
            switch base[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// Skips whitespace and a leading UTF-8 byte-order mark, which some clients prepend.
    mutating func skipByteOrderMark() {
        if end - position >= 3, base[position] == 0xEF, base[position + 1] == 0xBB, base[position + 2] == 0xBF {
            position += 3
        }
    }

    /// Skips whitespace and reports the kind of the next value.
    mutating func peekKind() throws(EventDecodingError) -> Kind {
        skipWhitespace()
        guard position < end else { throw unexpectedEnd() }
        switch base[position] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw unexpected()
        }
    }

    /// Consumes `{`. Returns `false` if the object is empty (and consumes its `}` too).
    mutating func beginObject() throws(EventDecodingError) -> Bool {
        try begin(UInt8(ascii: "{"), closing: UInt8(ascii: "}"))
    }

    /// Reads a member key and its `:`. The scanner is then at the member's value.
    mutating func memberKey() throws(EventDecodingError) -> StringSpan {
        skipWhitespace()
        guard position < end else { throw unexpectedEnd() }
        guard base[position] == UInt8(ascii: "\"") else { throw unexpected(expecting: "a member name") }
        let key = try scanString()
        skipWhitespace()
        guard position < end else { throw unexpectedEnd() }
        guard base[position] == UInt8(ascii: ":") else { throw unexpected(expecting: "':'") }
        position += 1
        return key
    }

    /// After a member's value: consumes `,` (returns `true`, another member follows) or `}` (`false`).
    mutating func nextMember() throws(EventDecodingError) -> Bool {
        try next(closing: UInt8(ascii: "}"))
    }

    /// Consumes `[`. Returns `false` if the array is empty (and consumes its `]` too).
    mutating func beginArray() throws(EventDecodingError) -> Bool {
        try begin(UInt8(ascii: "["), closing: UInt8(ascii: "]"))
    }

    /// After an element: consumes `,` (returns `true`, another element follows) or `]` (`false`).
    mutating func nextElement() throws(EventDecodingError) -> Bool {
        try next(closing: UInt8(ascii: "]"))
    }

    /// Consumes `opening`; returns `false` if `closing` follows at once (and consumes it too).
    private mutating func begin(_ opening: UInt8, closing: UInt8) throws(EventDecodingError) -> Bool {
        try enter(opening)
        skipWhitespace()
        if position < end, base[position] == closing {
            position += 1
            depth -= 1
            return false
        }
        return true
    }

    private mutating func enter(_ opening: UInt8) throws(EventDecodingError) {
        skipWhitespace()
        guard position < end else { throw unexpectedEnd() }
        guard base[position] == opening else { throw unexpected() }
        guard depth < Self.maxDepth else {
            throw .malformedJSON(detail: "nesting deeper than \(Self.maxDepth) levels at byte \(position)")
        }
        depth += 1
        position += 1
    }

    private mutating func next(closing: UInt8) throws(EventDecodingError) -> Bool {
        skipWhitespace()
        guard position < end else { throw unexpectedEnd() }
        switch base[position] {
        case UInt8(ascii: ","):
            position += 1
            return true
        case closing:
            position += 1
            depth -= 1
            return false
        default:
            throw unexpected(expecting: "',' or '\(Character(Unicode.Scalar(closing)))'")
        }
    }

    // MARK: Values

    /// Skips one value of any kind, validating it.
    mutating func skipValue() throws(EventDecodingError) {
        switch try peekKind() {
        case .object:
            guard try beginObject() else { return }
            repeat {
                _ = try memberKey()
                try skipValue()
            } while try nextMember()
        case .array:
            guard try beginArray() else { return }
            repeat { try skipValue() } while try nextElement()
        case .string:
            _ = try scanString()
        case .number:
            _ = try scanNumber()
        case .bool, .null:
            try scanLiteral()
        }
    }

    /// Consumes `true`, `false` or `null`; returns the first byte.
    @discardableResult
    mutating func scanLiteral() throws(EventDecodingError) -> UInt8 {
        let first = base[position]
        let word: StaticString = first == UInt8(ascii: "t") ? "true" : first == UInt8(ascii: "f") ? "false" : "null"
        let count = word.utf8CodeUnitCount
        guard end - position >= count, memcmp(base + position, word.utf8Start, count) == 0 else {
            throw unexpected()
        }
        position += count
        return first
    }

    /// Consumes a number, validating the JSON number grammar.
    mutating func scanNumber() throws(EventDecodingError) -> NumberSpan {
        let start = position
        var isInteger = true
        if base[position] == UInt8(ascii: "-") { position += 1 }
        guard position < end, isDigit(base[position]) else { throw invalidNumber(start) }
        if base[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < end, isDigit(base[position]) { position += 1 }
        }
        if position < end, base[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < end, isDigit(base[position]) else { throw invalidNumber(start) }
            while position < end, isDigit(base[position]) { position += 1 }
        }
        if position < end, base[position] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            position += 1
            if position < end, base[position] == UInt8(ascii: "+") || base[position] == UInt8(ascii: "-") { position += 1 }
            guard position < end, isDigit(base[position]) else { throw invalidNumber(start) }
            while position < end, isDigit(base[position]) { position += 1 }
        }
        return NumberSpan(start: start, end: position, isInteger: isInteger)
    }

    // MARK: Reading numbers

    /// The integer value of an integer span, or `nil` if it does not fit in `Int64`.
    func int64(_ span: NumberSpan) -> Int64? {
        var i = span.start
        let negative = base[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var value: Int64 = 0
        while i < span.end {
            let digit = Int64(base[i] &- UInt8(ascii: "0"))
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !o1, !o2 else { return nil }
            value = next
            i += 1
        }
        return value
    }

    /// The value of any number span as a `Double` (used for epoch-second timestamps).
    func double(_ span: NumberSpan) -> Double? {
        Double(String(decoding: UnsafeBufferPointer(start: base + span.start, count: span.end - span.start), as: UTF8.self))
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    // MARK: Errors

    func unexpectedEnd() -> EventDecodingError {
        .malformedJSON(detail: "unexpected end of input at byte \(end)")
    }

    func unexpected(expecting: String? = nil) -> EventDecodingError {
        let byte = base[position]
        let shown = byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
        return .malformedJSON(detail: "unexpected \(shown) at byte \(position)"
            + (expecting.map { ", expecting \($0)" } ?? ""))
    }

    private func invalidNumber(_ start: Int) -> EventDecodingError {
        .malformedJSON(detail: "invalid number at byte \(start)")
    }
}
