import Foundation

/// A field the controller requires, as the scanner found it.
///
/// Required fields are judged only after the whole event is scanned, because the `detail-type` and
/// `source` checks must come first whatever the member order in the body.
enum ScannedField<Value> {
    /// Absent, or JSON `null`.
    case absent
    case value(Value)
    /// Present with another JSON type; `expected` names the type that was wanted.
    case wrongType(expected: String)
    /// Right type, unacceptable value.
    case invalid(reason: String)
}

/// What the scanner collected from one event, before validation.
struct ScannedEvent {
    var detailType: ScannedField<String> = .absent
    var source: ScannedField<String> = .absent
    var id: ScannedField<String> = .absent
    var time: Date?
    var account: String?
    var region: String?
    var detail: ScannedField<ScannedDetail> = .absent
    /// The first problem with an optional field; reported only if the required fields are fine.
    var optionalFieldProblem: EventDecodingError?

    mutating func note(_ problem: EventDecodingError) {
        if optionalFieldProblem == nil { optionalFieldProblem = problem }
    }
}

/// What the scanner collected from `detail`.
struct ScannedDetail {
    var taskArn: ScannedField<String> = .absent
    var clusterArn: ScannedField<String> = .absent
    var lastStatus: ScannedField<String> = .absent
    var version: ScannedField<Int64> = .absent
    var desiredStatus: String?
    var taskDefinitionArn: String?
    var group: String?
    var startedBy: String?
    var launchType: String?
    var availabilityZone: String?
    var stopCode: String?
    var stoppedReason: String?
    var updatedAt: Date?
    var startedAt: Date?
    var stoppedAt: Date?
    /// `privateIPv4Address` of the first ENI attachment that has one.
    var attachmentAddress: String?
    /// `privateIpv4Address` of the first container network interface that has one.
    var containerAddress: String?
    var containers: [ContainerState] = []
}

extension ScannedEvent {
    static let taskStateChangeDetailType = "ECS Task State Change"
    static let ecsSource = "aws.ecs"

    /// Checks the event in a fixed order (event kind first, then required fields, then optional ones)
    /// so the same body always gets the same error. Paths are relative to the event.
    consuming func validated() throws(EventDecodingError) -> TaskStateChange {
        let detailType = try Self.require(self.detailType, "detail-type")
        guard detailType == Self.taskStateChangeDetailType else {
            throw .notTaskStateChange(path: "detail-type", found: detailType)
        }
        let source = try Self.require(self.source, "source")
        guard source == Self.ecsSource else {
            throw .notTaskStateChange(path: "source", found: source)
        }
        let id = try Self.require(self.id, "id")
        let detail = try Self.require(self.detail, "detail")

        let taskArn = try Self.require(detail.taskArn, "detail.taskArn")
        guard ECSARN.isTaskArn(taskArn) else {
            throw .invalidValue(path: "detail.taskArn", reason: Self.notAnARN(taskArn, kind: "task"))
        }
        let clusterArn = try Self.require(detail.clusterArn, "detail.clusterArn")
        guard ECSARN.isClusterArn(clusterArn) else {
            throw .invalidValue(path: "detail.clusterArn", reason: Self.notAnARN(clusterArn, kind: "cluster"))
        }
        let lastStatus = try Self.require(detail.lastStatus, "detail.lastStatus")
        guard !lastStatus.isEmpty else {
            throw .invalidValue(path: "detail.lastStatus", reason: "the status is empty")
        }
        let version = try Self.require(detail.version, "detail.version")
        if let optionalFieldProblem { throw optionalFieldProblem }
        if let problem = ECSARN.membershipProblem(taskArn: taskArn, clusterArn: clusterArn) {
            throw .inconsistentValue(path: "detail.taskArn", reason: problem)
        }

        return TaskStateChange(
            eventID: id, eventTime: time, account: account, region: region,
            taskArn: taskArn, clusterArn: clusterArn, taskDefinitionArn: detail.taskDefinitionArn,
            group: detail.group, startedBy: detail.startedBy, launchType: detail.launchType,
            availabilityZone: detail.availabilityZone,
            lastStatus: TaskStatus(rawValue: lastStatus),
            desiredStatus: detail.desiredStatus.map(TaskStatus.init(rawValue:)),
            version: version,
            address: detail.attachmentAddress ?? detail.containerAddress,
            containers: detail.containers,
            stopCode: detail.stopCode, stoppedReason: detail.stoppedReason,
            updatedAt: detail.updatedAt, startedAt: detail.startedAt, stoppedAt: detail.stoppedAt
        )
    }

    /// Why `value` is not an ECS ARN of `kind`, quoting it only when it is short enough to read.
    private static func notAnARN(_ value: String, kind: String) -> String {
        let length = value.utf8.count
        if length > ECSARN.maximumLength {
            return "\(length) bytes is too long for an ECS \(kind) ARN (at most \(ECSARN.maximumLength))"
        }
        let shown = length <= 160 ? value : String(value.prefix(120)) + "…"
        return "\"\(shown)\" is not a well-formed ECS \(kind) ARN"
    }

    private static func require<Value>(_ field: ScannedField<Value>, _ path: String) throws(EventDecodingError) -> Value {
        switch field {
        case .value(let value): return value
        case .absent: throw .missingField(path: path)
        case .wrongType(let expected): throw .wrongType(path: path, expected: expected)
        case .invalid(let reason): throw .invalidValue(path: path, reason: reason)
        }
    }
}

extension EventDecodingError {
    /// The same error with `prefix` put before its path, for events inside a batch (`[2].` + `detail.version`).
    func prefixingPath(with prefix: String) -> EventDecodingError {
        switch self {
        case .missingField(let path): .missingField(path: prefix + path)
        case .wrongType(let path, let expected): .wrongType(path: prefix + path, expected: expected)
        case .invalidValue(let path, let reason): .invalidValue(path: prefix + path, reason: reason)
        case .notTaskStateChange(let path, let found): .notTaskStateChange(path: prefix + path, found: found)
        case .inconsistentValue(let path, let reason): .inconsistentValue(path: prefix + path, reason: reason)
        case .malformedJSON, .emptyBatch: self
        }
    }
}
