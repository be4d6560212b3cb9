/// Helpers for ECS ARNs: `arn:<partition>:ecs:<region>:<account>:<resource>`.
///
/// Each helper returns `nil` instead of guessing when the ARN is not of the expected kind, so callers
/// can tell "not an ECS task ARN" from a parse result. Parsing works on the UTF-8 bytes with offsets
/// (no intermediate arrays or `String.Index` walks) because the event decoder checks two ARNs per event.
public enum ECSARN {
    /// The task ID: the last segment of `task/<cluster>/<id>` (long format) or `task/<id>` (short format).
    public static func taskID(fromTaskArn arn: String) -> String? {
        withBytes(arn) { b in taskResource(b).map { string(b, $0.id..<b.count) } }
    }

    /// The cluster name of `…:cluster/<name>`.
    public static func clusterName(fromClusterArn arn: String) -> String? {
        withBytes(arn) { b in clusterNameRange(b).map { string(b, $0) } }
    }

    /// The family of `…:task-definition/<family>:<revision>`.
    public static func family(fromTaskDefinitionArn arn: String) -> String? {
        withBytes(arn) { b in
            guard let family = afterResourcePrefix(b, "task-definition/"),
                  let colon = b[family...].lastIndex(of: UInt8(ascii: ":")), colon > family,
                  !b[family..<colon].contains(slash), colon + 1 < b.count,
                  b[(colon + 1)...].allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else { return nil }
            return string(b, family..<colon)
        }
    }

    /// The cluster ARN a long-format task ARN names (`…:task/<cluster>/<id>` → `…:cluster/<cluster>`).
    /// Short-format task ARNs (`task/<id>`) do not name their cluster, so they give `nil`.
    public static func clusterArn(fromTaskArn arn: String) -> String? {
        withBytes(arn) { b in
            guard let task = taskResource(b), let cluster = task.cluster else { return nil }
            let resource = cluster.lowerBound - "task/".utf8.count
            return string(b, 0..<resource) + "cluster/" + string(b, cluster)
        }
    }

    /// The longest ARN accepted from a client (AWS ARNs have at most 2048 characters).
    public static let maximumLength = 2048

    /// Whether `arn` is a well-formed ECS task ARN (long or short format); the decoders' check,
    /// without allocating. Stricter than the parsers above: a 12-digit account, a lower-case
    /// partition and region, a cluster name of 1–255 letters, digits, `-` and `_`, and a task ID
    /// of 1–64 letters, digits and `-`.
    static func isTaskArn(_ arn: String) -> Bool {
        withBytes(arn) { b in
            guard b.count <= maximumLength, hasWellFormedPrefix(b), let task = taskResource(b) else { return false }
            if let cluster = task.cluster, !isClusterName(b[cluster]) { return false }
            let id = b[task.id...]
            return id.count <= 64 && id.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        }
    }

    /// Whether `arn` is a well-formed ECS cluster ARN (the same rules as ``isTaskArn(_:)``).
    static func isClusterArn(_ arn: String) -> Bool {
        withBytes(arn) { b in
            guard b.count <= maximumLength, hasWellFormedPrefix(b), let name = clusterNameRange(b) else { return false }
            return isClusterName(b[name])
        }
    }

    /// Why the well-formed task ARN `taskArn` does not belong to the well-formed cluster ARN
    /// `clusterArn`, or `nil` when it does. A task belongs to a cluster in the same partition,
    /// region and account; a long-format ARN must also name that cluster (a short-format one does
    /// not name it, so the account is all that ties it to the event).
    static func membershipProblem(taskArn: String, clusterArn: String) -> String? {
        withBytes(taskArn) { task in
            withBytes(clusterArn) { cluster in
                guard let taskStart = resourceStart(task), let clusterStart = resourceStart(cluster),
                      let parts = taskResource(task), let name = clusterNameRange(cluster) else {
                    return "is not an ECS task ARN"
                }
                guard task[..<taskStart].elementsEqual(cluster[..<clusterStart]) else {
                    return "names another partition, region or account than detail.clusterArn"
                }
                if let taskCluster = parts.cluster, !task[taskCluster].elementsEqual(cluster[name]) {
                    return "names another cluster than detail.clusterArn"
                }
                return nil
            }
        }
    }

    // MARK: Byte-level parsing

    private static let slash = UInt8(ascii: "/")

    private static func withBytes<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = s.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(s.utf8).withUnsafeBufferPointer(body)
    }

    private static func string(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[range]), as: UTF8.self)
    }

    /// The range of the name in `…:cluster/<name>` (non-empty, without `/`).
    private static func clusterNameRange(_ b: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        guard let name = afterResourcePrefix(b, "cluster/"), name < b.count,
              !b[name...].contains(slash) else { return nil }
        return name..<b.count
    }

    /// The cluster segment (long format only) and where the ID starts in a task ARN; both non-empty.
    private static func taskResource(_ b: UnsafeBufferPointer<UInt8>) -> (cluster: Range<Int>?, id: Int)? {
        guard let first = afterResourcePrefix(b, "task/"), first < b.count else { return nil }
        guard let split = b[first...].firstIndex(of: slash) else { return (nil, first) }
        let id = split + 1
        guard split > first, id < b.count, !b[id...].contains(slash) else { return nil }
        return (first..<split, id)
    }

    /// The offset after `prefix` if `b` is an ECS ARN whose resource starts with `prefix`.
    private static func afterResourcePrefix(_ b: UnsafeBufferPointer<UInt8>, _ prefix: StaticString) -> Int? {
        guard let resource = resourceStart(b) else { return nil }
        let count = prefix.utf8CodeUnitCount
        guard b.count - resource >= count,
              b[resource..<(resource + count)].elementsEqual(UnsafeBufferPointer(start: prefix.utf8Start, count: count))
        else { return nil }
        return resource + count
    }

    /// Whether the fields before the resource are well formed: partition and region of lower-case
    /// letters, digits and `-` (at most 32 each), and an account of exactly 12 digits.
    private static func hasWellFormedPrefix(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let resource = resourceStart(b) else { return false }
        var field = 1
        var fieldStart = 4
        for i in 4..<resource where b[i] == UInt8(ascii: ":") {
            let part = b[fieldStart..<i]
            switch field {
            case 1, 3:
                guard part.count <= 32, part.allSatisfy({ $0 &- UInt8(ascii: "a") < 26 || $0 &- UInt8(ascii: "0") < 10 || $0 == UInt8(ascii: "-") })
                else { return false }
            case 4:
                guard part.count == 12, part.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else { return false }
            default:
                break
            }
            field += 1
            fieldStart = i + 1
        }
        return true
    }

    /// ECS cluster names: 1–255 letters, digits, `-` and `_`.
    private static func isClusterName(_ name: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        (1...255).contains(name.count) && name.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- UInt8(ascii: "a") < 26 || byte &- UInt8(ascii: "0") < 10
    }

    /// The offset after the fifth `:` if the first five fields read `arn`, a partition, `ecs`, a region
    /// and an account (the resource itself may contain `:`, as task definition ARNs do).
    private static func resourceStart(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard b.count > 8, b[0] == UInt8(ascii: "a"), b[1] == UInt8(ascii: "r"), b[2] == UInt8(ascii: "n"),
              b[3] == UInt8(ascii: ":") else { return nil }
        var field = 1
        var fieldStart = 4
        for i in 4..<b.count where b[i] == UInt8(ascii: ":") {
            guard i > fieldStart else { return nil }  // partition, service, region, account are non-empty
            if field == 2 {
                guard i - fieldStart == 3, b[fieldStart] == UInt8(ascii: "e"), b[fieldStart + 1] == UInt8(ascii: "c"),
                      b[fieldStart + 2] == UInt8(ascii: "s") else { return nil }
            }
            field += 1
            fieldStart = i + 1
            if field == 5 { return fieldStart }
        }
        return nil
    }
}
