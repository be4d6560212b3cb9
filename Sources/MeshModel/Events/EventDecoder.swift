/// Decodes `POST /v1/events` bodies into ``DecodedEvent`` values.
///
/// The body is one EventBridge event object, or a JSON array of 1…``maxBatch`` of them. Decoding is
/// lenient where ECS asks for it (unknown members are ignored, every field is optional except
/// `detail-type`, `source`, `id`, `detail`, `detail.taskArn`, `detail.clusterArn`,
/// `detail.lastStatus` and `detail.version`; JSON `null` counts as absent) and strict about what the
/// controller reads (a field it reads must have the right JSON type when present).
///
/// The first problem decides the error, in this order: JSON syntax anywhere in the body; the batch
/// shape; then each event in array order: `detail-type`, `source`, `id`, `detail`, the required
/// `detail` fields, and finally the first problem with an optional field.
///
/// ```swift
/// let events = try EventDecoder().decode(Array(body))
/// for event in events { journal.append(event.change, raw: event.rawJSON) }
/// ```
///
/// Performance: this is a hand-written single-pass scanner (``JSONScanner``) rather than Foundation,
/// because it runs for every webhook request and it is several times faster than `JSONDecoder`
/// (figures in `docs/benchmarks-history.md`).
public struct EventDecoder: Sendable {
    /// Largest accepted batch (JSON array) size.
    public var maxBatch: Int

    /// A decoder accepting batches of up to 100 events.
    public init() {
        self.maxBatch = 100
    }

    /// A decoder accepting batches of up to `maxBatch` events.
    public init(maxBatch: Int) {
        precondition(maxBatch >= 1, "maxBatch must be at least 1")
        self.maxBatch = maxBatch
    }

    /// Decodes one event object or a JSON array of them.
    /// - Parameter body: The request body as received (UTF-8 JSON; a leading byte-order mark is skipped).
    /// - Returns: The events in body order, each with its own JSON bytes.
    /// - Throws: ``EventDecodingError`` for the first problem (see the type's discussion for the order).
    public func decode(_ body: [UInt8]) throws(EventDecodingError) -> [DecodedEvent] {
        let result = body.withUnsafeBytes { raw -> Result<[DecodedEvent], EventDecodingError> in
            do throws(EventDecodingError) {
                return .success(try decode(raw, body: body))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private func decode(_ raw: UnsafeRawBufferPointer, body: [UInt8]) throws(EventDecodingError) -> [DecodedEvent] {
        var s = JSONScanner(raw)
        s.skipByteOrderMark()
        s.skipWhitespace()
        guard !s.isAtEnd else { throw .malformedJSON(detail: "the body is empty") }
        switch try s.peekKind() {
        case .object:
            let event = try Self.scanEvent(&s)
            try Self.expectEnd(&s)
            return [DecodedEvent(change: try event.validated(), rawJSON: body)]
        case .array:
            return try decodeBatch(&s, raw)
        default:
            try s.skipValue()
            try Self.expectEnd(&s)
            throw .wrongType(path: "", expected: "a JSON object or an array of objects")
        }
    }

    /// Decodes a JSON array of events. Syntax is checked to the end before any event's own problem is
    /// reported, so a truncated body is always `malformedJSON`.
    private func decodeBatch(_ s: inout JSONScanner, _ raw: UnsafeRawBufferPointer)
        throws(EventDecodingError) -> [DecodedEvent]
    {
        var events: [DecodedEvent] = []
        var firstProblem: EventDecodingError?
        var count = 0
        if try s.beginArray() {
            repeat {
                let kind = try s.peekKind()
                let start = s.position
                if kind != .object {
                    try s.skipValue()
                    if firstProblem == nil { firstProblem = .wrongType(path: "[\(count)]", expected: "an object") }
                } else if count >= maxBatch || firstProblem != nil {
                    try s.skipValue()  // the batch fails anyway; only syntax matters now
                } else {
                    let scanned = try Self.scanEvent(&s)
                    do throws(EventDecodingError) {
                        let change = try scanned.validated()
                        events.append(DecodedEvent(
                            change: change, rawJSON: Array(UnsafeRawBufferPointer(rebasing: raw[start..<s.position]))))
                    } catch {
                        firstProblem = error.prefixingPath(with: "[\(count)].")
                    }
                }
                count += 1
            } while try s.nextElement()
        }
        try Self.expectEnd(&s)
        guard count > 0 else { throw .emptyBatch }
        guard count <= maxBatch else {
            throw .invalidValue(path: "", reason: "a batch holds at most \(maxBatch) events, this one has \(count)")
        }
        if let firstProblem { throw firstProblem }
        return events
    }

    /// Only whitespace may follow the top-level value.
    private static func expectEnd(_ s: inout JSONScanner) throws(EventDecodingError) {
        s.skipWhitespace()
        guard s.isAtEnd else { throw s.unexpected(expecting: "the end of the body") }
    }
}
