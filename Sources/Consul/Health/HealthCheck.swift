import OpaqueJSON

/// A catalog health check, as registered (`Checks` of a catalog registration) and as read back
/// (`/v1/health/checks/:service`, `/v1/health/service/:service`).
///
/// consul-ecs registers them without interval or TTL: the controller (or health-sync) writes the
/// status itself, so Consul only stores what it is told.
public struct HealthCheck: Sendable, Equatable, Codable {
    /// Node of the check; empty in a registration means the registration's node.
    public var node: String
    public var checkID: String
    public var name: String
    public var status: HealthStatus
    public var notes: String
    public var output: String
    /// The service the check belongs to; empty for a node check.
    public var serviceID: String
    /// Set by Consul on reads.
    public var serviceName: String
    /// Free-form type, e.g. `consul-ecs-health-check`; omitted when empty.
    public var type: String
    /// Read-only, set on checks read from Consul.
    public var createIndex: UInt64?
    public var modifyIndex: UInt64?

    public init(
        node: String = "", checkID: String, name: String, status: HealthStatus, notes: String = "",
        output: String = "", serviceID: String = "", serviceName: String = "", type: String = ""
    ) {
        self.node = node
        self.checkID = checkID
        self.name = name
        self.status = status
        self.notes = notes
        self.output = output
        self.serviceID = serviceID
        self.serviceName = serviceName
        self.type = type
    }

    enum CodingKeys: String, CodingKey {
        case node = "Node", checkID = "CheckID", name = "Name", status = "Status", notes = "Notes"
        case output = "Output", serviceID = "ServiceID", serviceName = "ServiceName", type = "Type"
        case createIndex = "CreateIndex", modifyIndex = "ModifyIndex"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        node = container.lenient(.node, default: "")
        checkID = try container.decode(String.self, forKey: .checkID)
        name = container.lenient(.name, default: "")
        status = container.lenient(.status, default: HealthStatus(rawValue: ""))
        notes = container.lenient(.notes, default: "")
        output = container.lenient(.output, default: "")
        serviceID = container.lenient(.serviceID, default: "")
        serviceName = container.lenient(.serviceName, default: "")
        type = container.lenient(.type, default: "")
        createIndex = container.lenient(.createIndex)
        modifyIndex = container.lenient(.modifyIndex)
    }

    /// Writes the fields a registration carries; empty strings are left out (Consul treats them alike).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeUnlessEmpty(node, forKey: .node)
        try container.encode(checkID, forKey: .checkID)
        try container.encode(name, forKey: .name)
        try container.encode(status, forKey: .status)
        try container.encodeUnlessEmpty(notes, forKey: .notes)
        try container.encodeUnlessEmpty(output, forKey: .output)
        try container.encodeUnlessEmpty(serviceID, forKey: .serviceID)
        try container.encodeUnlessEmpty(type, forKey: .type)
    }
}
