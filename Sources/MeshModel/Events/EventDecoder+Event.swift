/// Scanning one event object into a ``ScannedEvent`` in a single pass.
///
/// Only the members the controller uses are read; everything else is skipped (syntax-checked only),
/// so unknown and future fields never cause an error.
extension EventDecoder {
    /// Scans the event object the scanner is at.
    static func scanEvent(_ s: inout JSONScanner) throws(EventDecodingError) -> ScannedEvent {
        var event = ScannedEvent()
        guard try s.beginObject() else { return event }
        repeat {
            let key = try s.memberKey()
            if s.equals(key, "detail") {
                switch try s.peekKind() {
                case .object: event.detail = .value(try scanDetail(&s, problems: &event.optionalFieldProblem))
                case .null: try s.scanLiteral(); event.detail = .absent
                default: try s.skipValue(); event.detail = .wrongType(expected: "an object")
                }
            } else if s.equals(key, "detail-type") {
                event.detailType = try s.requiredString()
            } else if s.equals(key, "source") {
                event.source = try s.requiredString()
            } else if s.equals(key, "id") {
                event.id = try s.requiredString()
            } else if s.equals(key, "time") {
                event.time = try s.optionalTimestamp("time", problems: &event.optionalFieldProblem)
            } else if s.equals(key, "account") {
                event.account = try s.optionalString("account", problems: &event.optionalFieldProblem)
            } else if s.equals(key, "region") {
                event.region = try s.optionalString("region", problems: &event.optionalFieldProblem)
            } else {
                try s.skipValue()
            }
        } while try s.nextMember()
        return event
    }

    /// Scans the `detail` object the scanner is at.
    private static func scanDetail(_ s: inout JSONScanner, problems: inout EventDecodingError?)
        throws(EventDecodingError) -> ScannedDetail
    {
        var d = ScannedDetail()
        guard try s.beginObject() else { return d }
        repeat {
            let key = try s.memberKey()
            if s.equals(key, "taskArn") {
                d.taskArn = try s.requiredString()
            } else if s.equals(key, "clusterArn") {
                d.clusterArn = try s.requiredString()
            } else if s.equals(key, "lastStatus") {
                d.lastStatus = try s.requiredString()
            } else if s.equals(key, "version") {
                d.version = try s.requiredNonNegativeInteger()
            } else if s.equals(key, "desiredStatus") {
                d.desiredStatus = try s.optionalString("detail.desiredStatus", problems: &problems)
            } else if s.equals(key, "taskDefinitionArn") {
                d.taskDefinitionArn = try s.optionalString("detail.taskDefinitionArn", problems: &problems)
            } else if s.equals(key, "group") {
                d.group = try s.optionalString("detail.group", problems: &problems)
            } else if s.equals(key, "startedBy") {
                d.startedBy = try s.optionalString("detail.startedBy", problems: &problems)
            } else if s.equals(key, "launchType") {
                d.launchType = try s.optionalString("detail.launchType", problems: &problems)
            } else if s.equals(key, "availabilityZone") {
                d.availabilityZone = try s.optionalString("detail.availabilityZone", problems: &problems)
            } else if s.equals(key, "stopCode") {
                d.stopCode = try s.optionalString("detail.stopCode", problems: &problems)
            } else if s.equals(key, "stoppedReason") {
                d.stoppedReason = try s.optionalString("detail.stoppedReason", problems: &problems)
            } else if s.equals(key, "updatedAt") {
                d.updatedAt = try s.optionalTimestamp("detail.updatedAt", problems: &problems)
            } else if s.equals(key, "startedAt") {
                d.startedAt = try s.optionalTimestamp("detail.startedAt", problems: &problems)
            } else if s.equals(key, "stoppedAt") {
                d.stoppedAt = try s.optionalTimestamp("detail.stoppedAt", problems: &problems)
            } else if s.equals(key, "attachments") {
                d.attachmentAddress = try scanAttachments(&s, problems: &problems)
            } else if s.equals(key, "containers") {
                try scanContainers(&s, into: &d, problems: &problems)
            } else {
                try s.skipValue()
            }
        } while try s.nextMember()
        return d
    }

    /// Scans `detail.attachments`; returns `privateIPv4Address` of the first ENI attachment that has one.
    /// Events call the ENI type `eni`, DescribeTasks `ElasticNetworkInterface`; both count.
    private static func scanAttachments(_ s: inout JSONScanner, problems: inout EventDecodingError?)
        throws(EventDecodingError) -> String?
    {
        var found: String?
        var type: String?
        var address: String?
        try scanObjects(&s, path: "detail.attachments", problems: &problems) { s, key, index, problems throws(EventDecodingError) in
            if s.equals(key, "type") {
                type = try s.optionalString("detail.attachments[\(index)].type", problems: &problems)
            } else if s.equals(key, "details") {
                address = try scanAttachmentDetails(&s, path: "detail.attachments[\(index)].details", problems: &problems)
            } else {
                try s.skipValue()
            }
        } endOfObject: {
            if found == nil, type == "eni" || type == "ElasticNetworkInterface" { found = address }
            type = nil
            address = nil
        }
        return found
    }

    /// Scans an attachment's `details` (`[{"name": …, "value": …}]`) for `privateIPv4Address`.
    private static func scanAttachmentDetails(_ s: inout JSONScanner, path: @autoclosure () -> String,
                                              problems: inout EventDecodingError?) throws(EventDecodingError) -> String?
    {
        var found: String?
        var isAddress = false
        var value: String?
        try scanObjects(&s, path: path(), problems: &problems) { s, key, index, problems throws(EventDecodingError) in
            if s.equals(key, "name"), try s.peekKind() == .string {
                isAddress = s.equals(try s.scanString(), "privateIPv4Address")
            } else if s.equals(key, "value") {
                value = try s.optionalString("\(path())[\(index)].value", problems: &problems)
            } else {
                try s.skipValue()
            }
        } endOfObject: {
            if found == nil, isAddress { found = value }
            isAddress = false
            value = nil
        }
        return found
    }

    /// Scans `detail.containers` into `d.containers` (those with a name) and `d.containerAddress`.
    private static func scanContainers(_ s: inout JSONScanner, into d: inout ScannedDetail,
                                       problems: inout EventDecodingError?) throws(EventDecodingError)
    {
        var name: String?, lastStatus: String?, healthStatus: String?, exitCode: Int?
        var containers: [ContainerState] = []
        var containerAddress = d.containerAddress
        try scanObjects(&s, path: "detail.containers", problems: &problems) { s, key, index, problems throws(EventDecodingError) in
            let path = { "detail.containers[\(index)]" }
            if s.equals(key, "name") {
                name = try s.optionalString(path() + ".name", problems: &problems)
            } else if s.equals(key, "lastStatus") {
                lastStatus = try s.optionalString(path() + ".lastStatus", problems: &problems)
            } else if s.equals(key, "exitCode") {
                exitCode = try s.optionalInt(path() + ".exitCode", problems: &problems)
            } else if s.equals(key, "healthStatus") {
                healthStatus = try s.optionalString(path() + ".healthStatus", problems: &problems)
            } else if s.equals(key, "networkInterfaces") {
                let address = try scanNetworkInterfaces(&s, path: path() + ".networkInterfaces", problems: &problems)
                if containerAddress == nil { containerAddress = address }
            } else {
                try s.skipValue()
            }
        } endOfObject: {
            // A container without a name cannot be matched to anything; keep the rest of the event.
            if let name {
                containers.append(ContainerState(name: name, lastStatus: lastStatus, exitCode: exitCode,
                                                 healthStatus: healthStatus))
            }
            (name, lastStatus, healthStatus, exitCode) = (nil, nil, nil, nil)
        }
        d.containers.append(contentsOf: containers)
        d.containerAddress = containerAddress
    }

    /// Scans a container's `networkInterfaces`; returns the first `privateIpv4Address` (lower-case "pv4").
    private static func scanNetworkInterfaces(_ s: inout JSONScanner, path: @autoclosure () -> String,
                                              problems: inout EventDecodingError?) throws(EventDecodingError) -> String?
    {
        var found: String?
        try scanObjects(&s, path: path(), problems: &problems) { s, key, index, problems throws(EventDecodingError) in
            if s.equals(key, "privateIpv4Address") {
                let address = try s.optionalString("\(path())[\(index)].privateIpv4Address", problems: &problems)
                if found == nil { found = address }
            } else {
                try s.skipValue()
            }
        }
        return found
    }

    /// Walks the array the scanner is at, if it is one, and hands each member of each object
    /// element to `member` (which must consume the member's value); `endOfObject` runs after each
    /// object element. Elements that are not objects, and a value that is not an array, are noted
    /// as problems (unless `null`) and skipped.
    private static func scanObjects(
        _ s: inout JSONScanner, path: @autoclosure () -> String, problems: inout EventDecodingError?,
        member: (inout JSONScanner, JSONScanner.StringSpan, Int, inout EventDecodingError?) throws(EventDecodingError) -> Void,
        endOfObject: () -> Void = {}
    ) throws(EventDecodingError) {
        guard try arrayOrNote(&s, path(), problems: &problems), try s.beginArray() else { return }
        var index = 0
        repeat {
            if try objectOrNote(&s, "\(path())[\(index)]", problems: &problems) {
                if try s.beginObject() {
                    repeat {
                        try member(&s, try s.memberKey(), index, &problems)
                    } while try s.nextMember()
                }
                endOfObject()
            }
            index += 1
        } while try s.nextElement()
    }

    /// `true` if an array follows; otherwise skips the value (noting a problem unless it is `null`).
    private static func arrayOrNote(_ s: inout JSONScanner, _ path: @autoclosure () -> String,
                                    problems: inout EventDecodingError?) throws(EventDecodingError) -> Bool
    {
        try kindOrNote(&s, .array, "an array", path(), problems: &problems)
    }

    /// `true` if an object follows; otherwise skips the value (noting a problem unless it is `null`).
    private static func objectOrNote(_ s: inout JSONScanner, _ path: @autoclosure () -> String,
                                     problems: inout EventDecodingError?) throws(EventDecodingError) -> Bool
    {
        try kindOrNote(&s, .object, "an object", path(), problems: &problems)
    }

    private static func kindOrNote(_ s: inout JSONScanner, _ kind: JSONScanner.Kind, _ expected: String,
                                   _ path: @autoclosure () -> String,
                                   problems: inout EventDecodingError?) throws(EventDecodingError) -> Bool
    {
        let found = try s.peekKind()
        if found == kind { return true }
        try s.skipValue()
        if found != .null, problems == nil { problems = .wrongType(path: path(), expected: expected) }
        return false
    }
}
