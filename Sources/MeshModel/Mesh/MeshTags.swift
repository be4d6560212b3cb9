/// The `consul.hashicorp.com/*` tags of an ECS task, read the way consul-ecs reads them.
///
/// ECS events carry no tags, so the caller gets them from DescribeTasks (`include: ["TAGS"]`) and
/// caches them. Tag names are those of consul-ecs (facts §1.3, §2), so task definitions written for
/// consul-ecs join this mesh unchanged.
///
/// ```swift
/// let tags = MeshTags(["consul.hashicorp.com/mesh": "true", "consul.hashicorp.com/upstreams": "db:5432"])
/// tags.isMesh                          // true
/// try tags.serviceName(family: "Web")  // "web"
/// try tags.upstreams                   // [MeshUpstream(destinationName: "db", localBindPort: 5432)]
/// ```
public struct MeshTags: Sendable, Equatable {
    /// The tag names this type reads.
    public enum Key {
        public static let mesh = "consul.hashicorp.com/mesh"
        public static let serviceName = "consul.hashicorp.com/service-name"
        public static let servicePort = "consul.hashicorp.com/service-port"
        public static let upstreams = "consul.hashicorp.com/upstreams"
        public static let healthSyncContainers = "consul.hashicorp.com/health-sync-containers"
    }

    /// All tags of the task, including ones this type does not read.
    public var tags: [String: String]

    public init(_ tags: [String: String]) {
        self.tags = tags
    }

    /// Whether the task belongs to the mesh: tag `consul.hashicorp.com/mesh` is exactly `true`.
    public var isMesh: Bool {
        tags[Key.mesh] == "true"
    }

    /// The Consul service name: tag `consul.hashicorp.com/service-name`, else `family` lower-cased.
    ///
    /// The tag is used as written (not lower-cased), as consul-ecs validates rather than rewrites it.
    /// - Parameter family: The task-definition family, if known.
    /// - Throws: ``MeshTagError/invalidServiceName(_:source:)`` or ``MeshTagError/missingServiceName``.
    public func serviceName(family: String?) throws(MeshTagError) -> String {
        if let tagged = tags[Key.serviceName] {
            let name = ConsulName.trimmed(tagged)
            guard ConsulName.isValidServiceName(name) else { throw .invalidServiceName(tagged, source: .tag) }
            return name
        }
        guard let family, !family.isEmpty else { throw .missingServiceName }
        let name = family.lowercased()
        guard ConsulName.isValidServiceName(name) else { throw .invalidServiceName(name, source: .family) }
        return name
    }

    /// The service port from tag `consul.hashicorp.com/service-port`, or `nil` when the tag is absent
    /// (the caller then falls back to the task definition's first port mapping).
    /// - Throws: ``MeshTagError/invalidServicePort(_:)`` when the tag is not an integer in 1…65535.
    public var servicePort: Int? {
        get throws(MeshTagError) {
            guard let value = tags[Key.servicePort] else { return nil }
            guard let port = ConsulName.port(ConsulName.trimmed(value)) else { throw .invalidServicePort(value) }
            return port
        }
    }

    /// Upstreams from tag `consul.hashicorp.com/upstreams`: `name:port[,name:port…]`, whitespace around
    /// entries and separators tolerated, empty entries (a trailing comma) ignored. Empty when absent.
    /// - Throws: ``MeshTagError/invalidUpstream(entry:)`` naming the first bad entry, or
    ///   ``MeshTagError/duplicateUpstreamPort(_:)`` when two entries bind the same local port.
    public var upstreams: [MeshUpstream] {
        get throws(MeshTagError) {
            guard let value = tags[Key.upstreams] else { return [] }
            var result: [MeshUpstream] = []
            var boundPorts: Set<Int> = []
            for rawEntry in value.split(separator: ",", omittingEmptySubsequences: false) {
                let entry = ConsulName.trimmed(rawEntry)
                if entry.isEmpty { continue }
                let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw .invalidUpstream(entry: entry) }
                let name = ConsulName.trimmed(parts[0])
                guard ConsulName.isValidServiceName(name),
                      let port = ConsulName.port(ConsulName.trimmed(parts[1]))
                else { throw .invalidUpstream(entry: entry) }
                guard boundPorts.insert(port).inserted else { throw .duplicateUpstreamPort(port) }
                result.append(MeshUpstream(destinationName: name, localBindPort: port))
            }
            return result
        }
    }

    /// Container names from tag `consul.hashicorp.com/health-sync-containers` (comma-separated,
    /// trimmed, empty entries and repeats dropped, order kept). Empty when absent.
    public var healthSyncContainers: [String] {
        guard let value = tags[Key.healthSyncContainers] else { return [] }
        var seen: Set<String> = []
        return value.split(separator: ",")
            .map { ConsulName.trimmed($0) }
            .filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}

/// Validation rules for names and ports written to Consul.
enum ConsulName {
    /// 1–63 characters of `a-z`, `0-9` and `-` (a DNS label, which Consul needs for DNS lookups).
    static func isValidServiceName(_ name: String) -> Bool {
        (1...63).contains(name.utf8.count)
            && name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }

    /// `text` as a TCP port (decimal digits only, 1…65535), or `nil`.
    static func port(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 5, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              let port = Int(text), (1...65535).contains(port) else { return nil }
        return port
    }

    /// `text` without leading and trailing whitespace (stdlib only: MeshModel's planning stays pure).
    static func trimmed(_ text: some StringProtocol) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
              let last = text.lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(text[first...last])
    }
}
