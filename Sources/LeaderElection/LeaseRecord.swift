/// The lease as the store holds it after an attempt: who leads, and in which term.
public struct LeaseRecord: Sendable, Equatable, Hashable {
    /// The replica that holds the lease.
    public var holder: String
    /// The term: grows by one each time the lease passes to a new holder (or back to the same
    /// holder after it expired).
    public var epoch: Int64

    public init(holder: String, epoch: Int64) {
        self.holder = holder
        self.epoch = epoch
    }
}
