/// Why the mesh tags of a task cannot be used, naming the tag and the offending value.
///
/// An exhaustive enum because planning code must handle every case: a bad tag parks the task's work
/// key with this description as its last error, so the operator can see which tag to fix.
public enum MeshTagError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The service name (from `source`) is not a valid Consul service name: 1–63 characters of
    /// lower-case letters, digits and `-`.
    case invalidServiceName(String, source: ServiceNameSource)
    /// Neither the `consul.hashicorp.com/service-name` tag nor a task-definition family is known.
    case missingServiceName
    /// `consul.hashicorp.com/service-port` is not an integer in 1…65535.
    case invalidServicePort(String)
    /// One entry of `consul.hashicorp.com/upstreams` is not `name:port` with a valid name and port.
    case invalidUpstream(entry: String)
    /// Two upstreams of `consul.hashicorp.com/upstreams` bind the same local port.
    case duplicateUpstreamPort(Int)

    /// Where a service name came from, so the error says what to fix.
    public enum ServiceNameSource: String, Sendable, Equatable {
        /// The `consul.hashicorp.com/service-name` tag.
        case tag
        /// The task-definition family, lower-cased.
        case family
    }

    public var description: String {
        switch self {
        case let .invalidServiceName(name, source: .tag):
            "tag \(MeshTags.Key.serviceName) has \"\(name)\", which is not a Consul service name "
                + "(1-63 characters: a-z, 0-9, '-')"
        case let .invalidServiceName(name, source: .family):
            "the task-definition family gives the service name \"\(name)\", which is not a Consul service name "
                + "(1-63 characters: a-z, 0-9, '-'); set tag \(MeshTags.Key.serviceName)"
        case .missingServiceName:
            "no service name: tag \(MeshTags.Key.serviceName) is missing and the task-definition family is unknown"
        case let .invalidServicePort(value):
            "tag \(MeshTags.Key.servicePort) has \"\(value)\", which is not a port (1-65535)"
        case let .invalidUpstream(entry):
            "tag \(MeshTags.Key.upstreams) has the entry \"\(entry)\", which is not <service>:<local port>"
        case let .duplicateUpstreamPort(port):
            "tag \(MeshTags.Key.upstreams) binds local port \(port) more than once"
        }
    }
}
