/// Helpers for ECS ARNs: `arn:<partition>:ecs:<region>:<account>:<resource>`.
///
/// Each helper returns `nil` instead of guessing when the ARN is not of the expected kind, so callers
/// can tell "not an ECS task ARN" from a parse result.
public enum ECSARN {
    /// The task ID: the last segment of `task/<cluster>/<id>` (long format) or `task/<id>` (short format).
    public static func taskID(fromTaskArn arn: String) -> String? {
        guard let segments = taskSegments(arn) else { return nil }
        return String(segments.last!)
    }

    /// The cluster name of `…:cluster/<name>`.
    public static func clusterName(fromClusterArn arn: String) -> String? {
        guard let resource = ecsResource(arn), resource.hasPrefix("cluster/") else { return nil }
        let name = resource.dropFirst("cluster/".count)
        guard !name.isEmpty, !name.contains("/") else { return nil }
        return String(name)
    }

    /// The family of `…:task-definition/<family>:<revision>`.
    public static func family(fromTaskDefinitionArn arn: String) -> String? {
        guard let resource = ecsResource(arn), resource.hasPrefix("task-definition/") else { return nil }
        let familyAndRevision = resource.dropFirst("task-definition/".count)
        guard let colon = familyAndRevision.lastIndex(of: ":") else { return nil }
        let family = familyAndRevision[..<colon]
        let revision = familyAndRevision[familyAndRevision.index(after: colon)...]
        guard !family.isEmpty, !family.contains("/"), !revision.isEmpty,
              revision.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return String(family)
    }

    /// The cluster ARN a long-format task ARN names (`…:task/<cluster>/<id>` → `…:cluster/<cluster>`).
    /// Short-format task ARNs (`task/<id>`) do not name their cluster, so they give `nil`.
    public static func clusterArn(fromTaskArn arn: String) -> String? {
        guard let segments = taskSegments(arn), segments.count == 2,
              let resourceStart = resourceStart(arn) else { return nil }
        return arn[..<resourceStart] + "cluster/" + segments[0]
    }

    /// The segments after `task/`: `[id]` or `[cluster, id]`, all non-empty.
    private static func taskSegments(_ arn: String) -> [Substring]? {
        guard let resource = ecsResource(arn), resource.hasPrefix("task/") else { return nil }
        let segments = resource.dropFirst("task/".count).split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(segments.count), segments.allSatisfy({ !$0.isEmpty }) else { return nil }
        return segments
    }

    /// The resource part of an ECS ARN, or `nil` if `arn` is not one.
    private static func ecsResource(_ arn: String) -> Substring? {
        guard let start = resourceStart(arn) else { return nil }
        return arn[start...]
    }

    /// Index just after the fifth `:` if the first five fields read `arn`, a partition, `ecs`, a region
    /// and an account.
    private static func resourceStart(_ arn: String) -> String.Index? {
        let fields = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard fields.count == 6, fields[0] == "arn", !fields[1].isEmpty, fields[2] == "ecs",
              !fields[3].isEmpty, !fields[4].isEmpty else { return nil }
        return fields[5].startIndex
    }
}
