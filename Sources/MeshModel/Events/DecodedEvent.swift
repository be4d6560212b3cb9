/// One event as decoded from a request body, with its own JSON bytes for the journal row.
///
/// For a single-object body `rawJSON` is the body as received; for a batch it is the exact byte
/// slice of that array element, so the journal stores what EventBridge sent, not a re-encoding.
public struct DecodedEvent: Sendable, Equatable {
    public var change: TaskStateChange
    public var rawJSON: [UInt8]

    public init(change: TaskStateChange, rawJSON: [UInt8]) {
        self.change = change
        self.rawJSON = rawJSON
    }
}
