public import Foundation

/// A parsed JSON document from the admin API, read by path: `document["work"]["state"].string`.
///
/// The CLI renders what the controller sent without a second copy of every schema: a missing
/// member reads as ``null``, so a table shows an empty cell rather than failing on a field that an
/// older or newer controller does not send.
public enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Parses `data`.
    /// - Throws: `DecodingError` when it is not JSON.
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: data)
    }

    public subscript(key: String) -> JSONValue {
        if case .object(let members) = self { return members[key] ?? .null }
        return .null
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    public var int: Int? { number.map { Int($0) } }

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
        case .null: return "-"
        case .bool(let value): return value ? "yes" : "no"
        case .number(let value):
            return value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .string(let value): return value
        case .array(let values): return values.map(\.text).joined(separator: ",")
        case .object: return "{…}"
        }
    }
}
