/// Decodes `POST /v1/heartbeats` bodies: one heartbeat object, or a JSON array of 1…``maxBatch``.
///
/// Strict about what the controller reads (types, the `state` and `health` value sets, an ECS task
/// ARN, unique container names, size limits) and lenient about unknown members, so a newer sidecar
/// can add fields. Uses the events' single-pass ``JSONScanner`` because it runs for every heartbeat
/// (the hot path of a controller with thousands of tasks reporting every few seconds).
///
/// ```swift
/// let heartbeats = try HeartbeatDecoder().decode(request.body)
/// ```
public struct HeartbeatDecoder: Sendable {
    /// Largest batch (JSON array) accepted.
    public var maxBatch: Int
    /// Most containers one heartbeat may list (ECS allows 10 per task definition; room for growth).
    public static let maxContainers = 64
    /// Longest container name accepted (ECS allows 255).
    public static let maxNameLength = 255

    public init(maxBatch: Int = 100) {
        precondition(maxBatch >= 1, "maxBatch must be at least 1")
        self.maxBatch = maxBatch
    }

    /// Decodes one heartbeat or a batch.
    /// - Returns: The heartbeats in body order.
    /// - Throws: ``HeartbeatDecodingError`` for the first problem (syntax anywhere first).
    public func decode(_ body: [UInt8]) throws(HeartbeatDecodingError) -> [Heartbeat] {
        let result = body.withUnsafeBytes { raw -> Result<[Heartbeat], HeartbeatDecodingError> in
            var problem: HeartbeatDecodingError?
            do throws(EventDecodingError) {
                let heartbeats = try decode(raw, problem: &problem)
                if let problem { return .failure(problem) }
                return .success(heartbeats)
            } catch {
                if case .malformedJSON(let detail) = error { return .failure(.malformedJSON(detail: detail)) }
                return .failure(.malformedJSON(detail: error.description))
            }
        }
        return try result.get()
    }

    private func decode(_ raw: UnsafeRawBufferPointer, problem: inout HeartbeatDecodingError?)
        throws(EventDecodingError) -> [Heartbeat]
    {
        var s = JSONScanner(raw)
        s.skipByteOrderMark()
        s.skipWhitespace()
        guard !s.isAtEnd else { throw .malformedJSON(detail: "the body is empty") }
        var heartbeats: [Heartbeat] = []
        switch try s.peekKind() {
        case .object:
            if let heartbeat = try Self.scanHeartbeat(&s, prefix: "", problem: &problem) { heartbeats.append(heartbeat) }
        case .array:
            var count = 0
            if try s.beginArray() {
                repeat {
                    if try s.peekKind() != .object {
                        try s.skipValue()
                        note(.wrongType(path: "[\(count)]", expected: "an object"), &problem)
                    } else if count >= maxBatch || problem != nil {
                        try s.skipValue()
                    } else if let heartbeat = try Self.scanHeartbeat(&s, prefix: "[\(count)].", problem: &problem) {
                        heartbeats.append(heartbeat)
                    }
                    count += 1
                } while try s.nextElement()
            }
            if count == 0 { note(.emptyBatch, &problem) }
            if count > maxBatch {
                note(.invalidValue(path: "", reason: "a batch holds at most \(maxBatch) heartbeats, this one has \(count)"), &problem)
            }
        default:
            try s.skipValue()
            note(.wrongType(path: "", expected: "a JSON object or an array of objects"), &problem)
        }
        s.skipWhitespace()
        guard s.isAtEnd else { throw s.unexpected(expecting: "the end of the body") }
        return heartbeats
    }

    /// Scans one heartbeat object; `nil` (with `problem` set) when it is not acceptable.
    private static func scanHeartbeat(_ s: inout JSONScanner, prefix: String, problem: inout HeartbeatDecodingError?)
        throws(EventDecodingError) -> Heartbeat?
    {
        var taskArn: String?
        var state: Heartbeat.State?
        var containers: [Heartbeat.Container]?
        let before = problem
        if try s.beginObject() {
            repeat {
                let key = try s.memberKey()
                if s.equals(key, "taskArn") {
                    taskArn = try string(&s, path: prefix + "taskArn", problem: &problem)
                    if let arn = taskArn, !ECSARN.isTaskArn(arn) {
                        note(.invalidValue(path: prefix + "taskArn", reason: "not an ECS task ARN"), &problem)
                    }
                } else if s.equals(key, "state") {
                    if let raw = try string(&s, path: prefix + "state", problem: &problem) {
                        state = Heartbeat.State(rawValue: raw)
                        if state == nil {
                            note(.invalidValue(path: prefix + "state", reason: "must be RUNNING or STOPPING"), &problem)
                        }
                    }
                } else if s.equals(key, "containers") {
                    containers = try scanContainers(&s, path: prefix + "containers", problem: &problem)
                } else {
                    try s.skipValue()
                }
            } while try s.nextMember()
        }
        guard problem == before else { return nil }
        guard let taskArn else { note(.missingField(path: prefix + "taskArn"), &problem); return nil }
        guard let state else { note(.missingField(path: prefix + "state"), &problem); return nil }
        guard let containers else { note(.missingField(path: prefix + "containers"), &problem); return nil }
        return Heartbeat(taskArn: taskArn, state: state, containers: containers)
    }

    private static func scanContainers(_ s: inout JSONScanner, path: String, problem: inout HeartbeatDecodingError?)
        throws(EventDecodingError) -> [Heartbeat.Container]?
    {
        switch try s.peekKind() {
        case .array: break
        case .null: _ = try s.scanLiteral(); return nil
        default:
            try s.skipValue()
            note(.wrongType(path: path, expected: "an array of objects"), &problem)
            return nil
        }
        var containers: [Heartbeat.Container] = []
        var index = 0
        if try s.beginArray() {
            repeat {
                let elementPath = "\(path)[\(index)]"
                if index >= maxContainers {
                    try s.skipValue()
                    note(.invalidValue(path: path, reason: "at most \(maxContainers) containers"), &problem)
                } else if try s.peekKind() != .object {
                    try s.skipValue()
                    note(.wrongType(path: elementPath, expected: "an object"), &problem)
                } else if let container = try scanContainer(&s, path: elementPath, problem: &problem) {
                    if containers.contains(where: { $0.name == container.name }) {
                        note(.invalidValue(path: elementPath + ".name", reason: "duplicate container \"\(container.name)\""), &problem)
                    }
                    containers.append(container)
                }
                index += 1
            } while try s.nextElement()
        }
        return containers
    }

    private static func scanContainer(_ s: inout JSONScanner, path: String, problem: inout HeartbeatDecodingError?)
        throws(EventDecodingError) -> Heartbeat.Container?
    {
        var name: String?
        var health: ContainerHealth?
        let before = problem
        if try s.beginObject() {
            repeat {
                let key = try s.memberKey()
                if s.equals(key, "name") {
                    name = try string(&s, path: path + ".name", problem: &problem)
                    if let value = name, !isContainerName(value) {
                        note(.invalidValue(path: path + ".name",
                                           reason: "1-\(maxNameLength) characters, no control characters"), &problem)
                    }
                } else if s.equals(key, "health") {
                    if let raw = try string(&s, path: path + ".health", problem: &problem) {
                        health = ContainerHealth(rawValue: raw)
                        if health == nil {
                            note(.invalidValue(path: path + ".health", reason: "must be HEALTHY, UNHEALTHY or UNKNOWN"), &problem)
                        }
                    }
                } else {
                    try s.skipValue()
                }
            } while try s.nextMember()
        }
        guard problem == before else { return nil }
        guard let name else { note(.missingField(path: path + ".name"), &problem); return nil }
        guard let health else { note(.missingField(path: path + ".health"), &problem); return nil }
        return Heartbeat.Container(name: name, health: health)
    }

    /// A string member; `nil` for absent-as-null, wrong types noted as a problem.
    private static func string(_ s: inout JSONScanner, path: String, problem: inout HeartbeatDecodingError?)
        throws(EventDecodingError) -> String?
    {
        switch try s.peekKind() {
        case .string: return s.string(try s.scanString())
        case .null: _ = try s.scanLiteral(); return nil
        default:
            try s.skipValue()
            note(.wrongType(path: path, expected: "a string"), &problem)
            return nil
        }
    }

    private static func isContainerName(_ name: String) -> Bool {
        let count = name.utf8.count
        return count >= 1 && count <= maxNameLength && !name.utf8.contains { $0 < 0x20 || $0 == 0x7F }
    }
}

/// Keeps the first problem only.
private func note(_ error: HeartbeatDecodingError, _ problem: inout HeartbeatDecodingError?) {
    if problem == nil { problem = error }
}
