public import Foundation
public import OpaqueJSON

/// Reading an admin API answer by path: `document["work"]["state"].string`.
///
/// The CLI renders what the controller sent without a second copy of every schema: a missing
/// member reads as ``JSONValue/null``, so a table shows an empty cell rather than failing on a field
/// that an older or newer controller does not send.
extension JSONValue {
    /// Parses `data`.
    /// - Throws: `DecodingError` when it is not JSON.
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// The member `key` of an object; ``JSONValue/null`` for a missing member or anything else.
    public subscript(key: String) -> JSONValue {
        if case .object(let members) = self { return members[key] ?? .null }
        return .null
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// Any number, integer or not.
    public var number: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    /// A number as an integer (a fraction is dropped).
    public var int: Int? {
        switch self {
        case .int(let value): value
        case .double(let value) where value.isFinite && abs(value) < 9e18: Int(value)
        default: nil
        }
    }

    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements of an array; empty for anything else.
    public var items: [JSONValue] {
        if case .array(let values) = self { return values }
        return []
    }

    /// The members of an object, sorted by key; empty for anything else.
    public var members: [(key: String, value: JSONValue)] {
        if case .object(let values) = self { return values.sorted { $0.key < $1.key } }
        return []
    }

    /// The value as a table cell: strings as they are, numbers without a needless `.0`, `-` for null.
    public var text: String {
        switch self {
        case .null: "-"
        case .bool(let value): value ? "yes" : "no"
        case .int(let value): String(value)
        case .double(let value):
            value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .string(let value): value
        case .array(let values): values.map(\.text).joined(separator: ",")
        case .object: "{…}"
        }
    }
}
