import MeshModel

/// Which clusters' events this controller owns. Entries may be cluster ARNs or bare names, because
/// operators write names and events carry ARNs.
public struct ClusterAllowList: Sendable, Equatable {
    private let arns: Set<String>
    private let names: Set<String>

    /// An empty list allows every cluster.
    public init(_ entries: [String]) {
        arns = Set(entries.filter { $0.hasPrefix("arn:") })
        names = Set(entries.filter { !$0.hasPrefix("arn:") })
    }

    public var allowsAll: Bool { arns.isEmpty && names.isEmpty }

    public func allows(clusterArn: String) -> Bool {
        if allowsAll || arns.contains(clusterArn) { return true }
        guard let name = ECSARN.clusterName(fromClusterArn: clusterArn) else { return false }
        return names.contains(name)
    }
}
