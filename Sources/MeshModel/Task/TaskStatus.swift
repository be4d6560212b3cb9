/// ECS task lifecycle status (`lastStatus`/`desiredStatus`).
///
/// An open set: ECS says it may add states, so an unknown string is kept as-is rather than rejected,
/// and ``rank`` is `nil` for it. Ordering between events comes from `detail.version`, never from the
/// status; the rank is only for sanity checks (aws-contracts §1.4).
public struct TaskStatus: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public static let provisioning = TaskStatus(rawValue: "PROVISIONING")
    public static let pending = TaskStatus(rawValue: "PENDING")
    public static let activating = TaskStatus(rawValue: "ACTIVATING")
    public static let running = TaskStatus(rawValue: "RUNNING")
    public static let deactivating = TaskStatus(rawValue: "DEACTIVATING")
    public static let stopping = TaskStatus(rawValue: "STOPPING")
    public static let deprovisioning = TaskStatus(rawValue: "DEPROVISIONING")
    public static let stopped = TaskStatus(rawValue: "STOPPED")

    /// Position in the documented lifecycle: PROVISIONING 0 … STOPPED 7; `nil` for a status ECS may add later.
    public var rank: Int? {
        switch rawValue {
        case "PROVISIONING": 0
        case "PENDING": 1
        case "ACTIVATING": 2
        case "RUNNING": 3
        case "DEACTIVATING": 4
        case "STOPPING": 5
        case "DEPROVISIONING": 6
        case "STOPPED": 7
        default: nil
        }
    }

    public var description: String { rawValue }
}
