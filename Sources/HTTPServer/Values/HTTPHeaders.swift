/// Ordered HTTP header fields, as `(name, value)` pairs in arrival (or insertion) order.
///
/// Names keep their spelling but compare case-insensitively (RFC 9110 §5.1). Repeated fields
/// stay separate entries; ``values(forName:)`` returns all of them.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral, Equatable,
    CustomStringConvertible
{
    public typealias Element = (name: String, value: String)

    @usableFromInline var fields: [Element]

    public init() {
        fields = []
    }

    /// Creates headers from pairs in the given order.
    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { (name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    /// The first value of the field `name` (case-insensitive), or `nil`.
    public subscript(name: String) -> String? {
        for field in fields where field.name.equalsIgnoringASCIICase(name) {
            return field.value
        }
        return nil
    }

    /// Appends a field, keeping any existing fields of the same name.
    public mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces the first field named `name` (and removes the others), or appends it.
    public mutating func replaceOrAdd(name: String, value: String) {
        if let index = fields.firstIndex(where: { $0.name.equalsIgnoringASCIICase(name) }) {
            fields[index] = (name: fields[index].name, value: value)
            var next = index + 1
            while next < fields.count {
                if fields[next].name.equalsIgnoringASCIICase(name) {
                    fields.remove(at: next)
                } else {
                    next += 1
                }
            }
        } else {
            fields.append((name: name, value: value))
        }
    }

    /// Removes every field named `name` (case-insensitive).
    public mutating func remove(name: String) {
        fields.removeAll { $0.name.equalsIgnoringASCIICase(name) }
    }

    /// All values of the field `name` (case-insensitive), in order.
    public func values(forName name: String) -> [String] {
        fields.lazy.filter { $0.name.equalsIgnoringASCIICase(name) }.map(\.value)
    }

    /// Whether a field named `name` is present (case-insensitive).
    public func contains(name: String) -> Bool {
        fields.contains { $0.name.equalsIgnoringASCIICase(name) }
    }

    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }

    public func makeIterator() -> IndexingIterator<[Element]> {
        fields.makeIterator()
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    public var description: String {
        "[" + fields.map { "\($0.name): \($0.value)" }.joined(separator: ", ") + "]"
    }

    mutating func reserveCapacity(_ capacity: Int) {
        fields.reserveCapacity(capacity)
    }
}

extension String {
    /// ASCII case-insensitive equality without allocating (header names are ASCII tokens).
    func equalsIgnoringASCIICase(_ other: String) -> Bool {
        var lhs = utf8.makeIterator()
        var rhs = other.utf8.makeIterator()
        while true {
            switch (lhs.next(), rhs.next()) {
            case (nil, nil):
                return true
            case let (a?, b?):
                if a != b && a.asciiLowercased != b.asciiLowercased { return false }
            default:
                return false
            }
        }
    }
}

extension UInt8 {
    var asciiLowercased: UInt8 {
        (self >= 0x41 && self <= 0x5A) ? self | 0x20 : self
    }
}
