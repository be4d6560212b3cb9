/// A value read from Consul with the Raft index it reflects.
///
/// `X-Consul-Index` moves whenever the data behind the endpoint is written, so equal indexes across
/// two reads prove nobody wrote in between (our "no catalog writes" check). Its scope depends on the
/// endpoint (measured on 1.8.7): `/v1/health/service/:name` has a per-service index, untouched by
/// writes to other services; `/v1/catalog/node-services/:node` and `/v1/health/checks/:name` carry a
/// catalog-wide index that any registration anywhere moves.
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
