/// A value read from Consul with the Raft index it reflects.
///
/// `X-Consul-Index` moves whenever the data behind the endpoint is written, so equal indexes across
/// two reads prove nobody wrote in between (our "no catalog writes" check).
public struct ConsulRead<Value: Sendable>: Sendable {
    public var value: Value
    /// `X-Consul-Index`, when Consul sent one.
    public var index: UInt64?

    public init(value: Value, index: UInt64?) {
        self.value = value
        self.index = index
    }
}

extension ConsulRead: Equatable where Value: Equatable {}
