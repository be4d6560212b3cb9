extension KeyedDecodingContainer {
    /// Decodes an optional field: missing, `null` or of another shape all give `fallback`.
    ///
    /// Consul writes `null` for empty lists and maps (`"Tags": null`), omits fields its version lacks,
    /// and adds fields in newer versions; reads must survive all three.
    func lenient<Value: Decodable>(_ key: Key, default fallback: Value) -> Value {
        ((try? decodeIfPresent(Value.self, forKey: key)) ?? nil) ?? fallback
    }

    /// Like ``lenient(_:default:)`` but keeps absence visible as `nil`.
    func lenient<Value: Decodable>(_ key: Key) -> Value? {
        (try? decodeIfPresent(Value.self, forKey: key)) ?? nil
    }
}

extension KeyedEncodingContainer {
    /// Writes a collection only when it has elements, so requests stay minimal (and golden files short).
    mutating func encodeUnlessEmpty<Value: Encodable & Collection>(_ value: Value, forKey key: Key) throws {
        if !value.isEmpty { try encode(value, forKey: key) }
    }
}
