/// The status of a Consul check: `passing`, `warning`, `critical` or `maintenance`.
///
/// A struct rather than an enum so that a status this version does not know still decodes.
public struct HealthStatus: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public static let passing = HealthStatus(rawValue: "passing")
    public static let warning = HealthStatus(rawValue: "warning")
    public static let critical = HealthStatus(rawValue: "critical")
    public static let maintenance = HealthStatus(rawValue: "maintenance")

    public var description: String { rawValue }
}
