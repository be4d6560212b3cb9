/// Tolerant reading of documents other programs write (Consul, ECS, moto), and minimal writing.
///
/// Consul writes `null` for empty lists and maps (`"Tags": null`), omits fields its version lacks
/// and adds fields in newer versions; moto omits many ECS task fields and sends `null` for others.
/// Reads must survive all of that, so an optional field that is missing, `null` or of another shape
/// reads as absent instead of failing the whole document.
extension KeyedDecodingContainer {
    /// Decodes an optional field: missing, `null` or of another shape all give `fallback`.
    public func lenient<Value: Decodable>(_ key: Key, default fallback: Value) -> Value {
        lenient(key) ?? fallback
    }

    /// Like ``lenient(_:default:)`` but keeps absence visible as `nil`.
    public func lenient<Value: Decodable>(_ key: Key) -> Value? {
        (try? decodeIfPresent(Value.self, forKey: key)) ?? nil
    }

    /// Like ``lenient(_:)``, and an empty string reads as absent too (Consul writes `""` for unset).
    public func lenientNonEmpty(_ key: Key) -> String? {
        (lenient(key) as String?).flatMap { $0.isEmpty ? nil : $0 }
    }
}

extension KeyedEncodingContainer {
    /// Writes a collection only when it has elements, so requests stay minimal (and golden files short).
    public mutating func encodeUnlessEmpty<Value: Encodable & Collection>(_ value: Value, forKey key: Key) throws {
        if !value.isEmpty { try encode(value, forKey: key) }
    }
}
