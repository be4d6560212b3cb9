/// Decodes webhook bodies into ``DecodedEvent`` values.
public struct EventDecoder: Sendable {
    /// Largest accepted batch (JSON array) size.
    public var maxBatch: Int

    public init() {
        self.maxBatch = 100
    }

    public init(maxBatch: Int) {
        self.maxBatch = maxBatch
    }

    /// Accepts one event object or a JSON array of them (`1...maxBatch`).
    /// - Throws: ``EventDecodingError`` naming the first problem found.
    public func decode(_ body: [UInt8]) throws(EventDecodingError) -> [DecodedEvent] {
        throw .malformedJSON(detail: "decoder not implemented yet")
    }
}
