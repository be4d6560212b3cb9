/// The lease as the store holds it after an attempt: who leads, and in which term.
public struct LeaseRecord: Sendable, Equatable, Hashable {
    /// The process that holds the lease (``LeaseHolder``: its replica ID and its instance).
    public var holder: String
    /// The term: grows by one each time the lease passes to a new holder (or back to the same
    /// holder after it expired).
    public var epoch: Int64

    public init(holder: String, epoch: Int64) {
        self.holder = holder
        self.epoch = epoch
    }

    /// The holder's replica ID as the operator configured it (what `/v1/status` shows).
    public var replicaID: String { LeaseHolder.replicaID(of: holder) }
}

/// Who holds the lease: the configured replica ID plus a random instance ID drawn once per process,
/// `<replicaID>#<16 hex digits>`. A fixed `ha.replicaId` names a role, not a process: a restarted
/// process (or a replacement started while the old one still runs) must not renew the old
/// process's lease in the same term, or both would pass the epoch fence. As a new holder it waits
/// for that lease to end and takes the next epoch, which fences the old process.
public enum LeaseHolder {
    static let separator: Character = "#"
    static let instanceDigits = 16

    /// A new random instance ID (64 bits, hex).
    public static func newInstanceID() -> String {
        let hex = String(UInt64.random(in: .min ... .max), radix: 16)
        return String(repeating: "0", count: instanceDigits - hex.count) + hex
    }

    /// The holder of `replicaID`'s instance `instanceID`.
    public static func id(replicaID: String, instanceID: String) -> String {
        "\(replicaID)\(separator)\(instanceID)"
    }

    /// The replica ID of `holder`: without its instance suffix (a holder written before instances
    /// existed has none and is its own replica ID).
    public static func replicaID(of holder: String) -> String {
        guard let hash = holder.lastIndex(of: separator) else { return holder }
        let instance = holder[holder.index(after: hash)...]
        guard instance.count == instanceDigits, instance.allSatisfy(\.isHexDigit) else { return holder }
        return String(holder[..<hash])
    }
}
