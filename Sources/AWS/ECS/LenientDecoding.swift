/// Decoding helpers for fields we tolerate being absent, `null`, or of an unexpected type
/// (moto omits many task fields and sends `null` for others).
extension KeyedDecodingContainer {
    func lenient<T: Decodable>(_ type: T.Type, forKey key: Key) -> T? {
        (try? decodeIfPresent(type, forKey: key)) ?? nil
    }

    func lenientArray<T: Decodable>(_ type: T.Type, forKey key: Key) -> [T] {
        (try? decodeIfPresent([T].self, forKey: key)) ?? nil ?? []
    }
}
