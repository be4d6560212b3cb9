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

    /// Whether `arn` is an ECS task ARN (long or short format); the decoder's check, without allocating.
    static func isTaskArn(_ arn: String) -> Bool {
        withBytes(arn) { taskResource($0) != nil }
    }

    /// Whether `arn` is an ECS cluster ARN.
    static func isClusterArn(_ arn: String) -> Bool {
        withBytes(arn) { clusterNameRange($0) != nil }
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
