/// The names and IDs the controller writes to Consul and Secrets Manager, in one place.
///
/// They are consul-ecs's (facts §1.3, §2; notes §8) wherever consul-ecs has one, so tasks, tokens and
/// registrations made by either can be recognised by the other. Resync uses the same functions to
/// tell which services on the node are ours.
public enum MeshNames {
    /// Node meta marking the per-cluster node as synthetic (no agent runs on it).
    public static let syntheticNodeMeta = ["synthetic-node": "true"]
    /// `Name` of each health-synced container check (consul-ecs mesh-init).
    public static let containerCheckName = "Consul ECS health check synced"
    /// `Name` of the task-status check used when no container is health-synced.
    public static let taskStatusCheckName = "ECS task status"
    /// `Name` of the proxy check that mirrors the service's checks.
    public static let proxyHealthCheckName = "Destination service health"

    /// Meta keys on both registrations.
    public enum MetaKey {
        public static let taskID = "task-id"
        public static let taskArn = "task-arn"
        public static let source = "source"
    }

    /// `<service>-<taskId>`.
    public static func serviceID(service: String, taskID: String) -> String {
        "\(service)-\(taskID)"
    }

    /// `<serviceID>-sidecar-proxy`.
    public static func proxyID(serviceID: String) -> String {
        "\(serviceID)-sidecar-proxy"
    }

    /// `<service>-sidecar-proxy`.
    public static func proxyName(service: String) -> String {
        "\(service)-sidecar-proxy"
    }

    /// `<serviceID>-<container>`: the check health-sync keeps for one container.
    public static func containerCheckID(serviceID: String, container: String) -> String {
        "\(serviceID)-\(container)"
    }

    /// `<serviceID>-ecs-task-status`.
    public static func taskStatusCheckID(serviceID: String) -> String {
        "\(serviceID)-ecs-task-status"
    }

    /// `<proxyID>-destination-health`.
    public static func proxyHealthCheckID(proxyID: String) -> String {
        "\(proxyID)-destination-health"
    }

    /// consul-ecs's `Notes` of a container check.
    public static func containerCheckNotes(container: String) -> String {
        "consul-ecs created and updates this check because the \(container) container has an ECS health check."
    }

    /// `<prefix>-<service>`: the Secrets Manager secret holding a service's token IDs.
    public static func serviceSecretName(prefix: String, service: String) -> String {
        "\(prefix)-\(service)"
    }

    /// `<prefix>-consul-client`: the secret of the optional shared client token.
    public static func clientSecretName(prefix: String) -> String {
        "\(prefix)-consul-client"
    }
}
