public import ErrorClassification

/// This replica must not act as the leader now. Transient: the work is left for the leader (or for
/// this replica's next term), never parked.
public struct LeadershipError: Error, Sendable, Equatable, TransientClassifiable, CustomStringConvertible {
    public enum Reason: String, Sendable, Equatable {
        /// This replica follows.
        case notLeader = "not the leader"
        /// It led, but its local lease deadline has passed.
        case deadlinePassed = "lease deadline passed"
        /// The store names a newer term than the one this replica leads in.
        case epochSuperseded = "epoch superseded"
    }

    public var reason: Reason
    /// The term this replica believed it led in, if any.
    public var epoch: Int64?
    /// The term the store holds, when the check read it.
    public var currentEpoch: Int64?

    public init(_ reason: Reason, epoch: Int64? = nil, currentEpoch: Int64? = nil) {
        self.reason = reason
        self.epoch = epoch
        self.currentEpoch = currentEpoch
    }

    public var isTransient: Bool { true }

    public var description: String {
        var text = "fenced: \(reason.rawValue)"
        if let epoch { text += " (epoch \(epoch)" + (currentEpoch.map { ", current \($0))" } ?? ")") }
        return text
    }
}
