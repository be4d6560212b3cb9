import Foundation

/// Typed reads of one member value, as the event decoder needs them.
///
/// Required fields return a ``ScannedField`` that is judged later; optional fields return a value or
/// `nil` and note a problem (wrong type, bad value) in `problems`, keeping only the first. JSON `null`
/// counts as absent everywhere. Syntax errors still throw at once.
extension JSONScanner {
    mutating func requiredString() throws(EventDecodingError) -> ScannedField<String> {
        switch try peekKind() {
        case .string: return .value(string(try scanString()))
        case .null: try scanLiteral(); return .absent
        default: try skipValue(); return .wrongType(expected: "a string")
        }
    }

    /// A non-negative integer (JSON integer syntax only: `3`, not `3.0`, `"3"` or `3e0`).
    mutating func requiredNonNegativeInteger() throws(EventDecodingError) -> ScannedField<Int64> {
        switch try peekKind() {
        case .number:
            let number = try scanNumber()
            guard number.isInteger else { return .wrongType(expected: "an integer") }
            guard let value = int64(number) else { return .invalid(reason: "the integer does not fit in 64 bits") }
            guard value >= 0 else { return .invalid(reason: "must not be negative, got \(value)") }
            return .value(value)
        case .null: try scanLiteral(); return .absent
        default: try skipValue(); return .wrongType(expected: "an integer")
        }
    }

    mutating func optionalString(_ path: @autoclosure () -> String, problems: inout EventDecodingError?)
        throws(EventDecodingError) -> String?
    {
        switch try peekKind() {
        case .string: return string(try scanString())
        case .null: try scanLiteral(); return nil
        default:
            try skipValue()
            if problems == nil { problems = .wrongType(path: path(), expected: "a string") }
            return nil
        }
    }

    mutating func optionalInt(_ path: @autoclosure () -> String, problems: inout EventDecodingError?)
        throws(EventDecodingError) -> Int?
    {
        switch try peekKind() {
        case .number:
            let number = try scanNumber()
            guard number.isInteger else {
                if problems == nil { problems = .wrongType(path: path(), expected: "an integer") }
                return nil
            }
            guard let value = int64(number), let int = Int(exactly: value) else {
                if problems == nil { problems = .invalidValue(path: path(), reason: "the integer is out of range") }
                return nil
            }
            return int
        case .null: try scanLiteral(); return nil
        default:
            try skipValue()
            if problems == nil { problems = .wrongType(path: path(), expected: "an integer") }
            return nil
        }
    }

    /// An ISO-8601 string (0–9 fraction digits, `Z` or `±hh:mm`), or a JSON number of seconds since
    /// 1970 as DescribeTasks writes timestamps.
    mutating func optionalTimestamp(_ path: @autoclosure () -> String, problems: inout EventDecodingError?)
        throws(EventDecodingError) -> Date?
    {
        switch try peekKind() {
        case .string:
            let span = try scanString()
            let date = span.hasEscapes ? ISO8601Timestamp.parse(string(span)) : ISO8601Timestamp.parse(bytes(span))
            if date == nil, problems == nil {
                problems = .invalidValue(path: path(), reason: "\"\(string(span))\" is not an ISO-8601 timestamp")
            }
            return date
        case .number:
            let number = try scanNumber()
            guard let seconds = double(number), seconds.isFinite else {
                if problems == nil { problems = .invalidValue(path: path(), reason: "the number is out of range") }
                return nil
            }
            return Date(timeIntervalSince1970: seconds)
        case .null: try scanLiteral(); return nil
        default:
            try skipValue()
            if problems == nil { problems = .wrongType(path: path(), expected: "an ISO-8601 timestamp string") }
            return nil
        }
    }
}
