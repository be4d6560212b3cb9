/// Plans the checks of one task's registration; each check's output says why it has its status.
///
/// Rules (facts §2, §3; DESIGN "Health", "Shutdown of a task"):
/// - one check per health-synced container: HEALTHY → passing, anything else or missing → critical;
/// - without health-synced containers, one task-status check: passing while lastStatus and
///   desiredStatus are both RUNNING;
/// - desiredStatus STOPPED → every check critical, so the mesh drains traffic before the task goes;
/// - a heartbeat override (sidecar STOPPING, heartbeat TTL expired) → every check critical with its reason;
/// - optionally a proxy check that is passing only when every service check is (Consul routes mesh
///   traffic by the proxy's health).
struct HealthCheckPlanner {
    var task: TaskRecord
    var service: String
    var serviceID: String
    var proxyID: String
    var containers: [String]
    var containerHealth: [String: ContainerHealth]
    /// Output that makes every check critical (``TaskHealth/overrideOutput``), or `nil`.
    var healthOverride: String?
    var proxyMirrorsServiceHealth: Bool

    func checks() -> [CatalogCheck] {
        var checks = containers.isEmpty ? [taskStatusCheck()] : containers.map(containerCheck)
        if proxyMirrorsServiceHealth {
            checks.append(proxyCheck(mirroring: checks))
        }
        return checks
    }

    /// Output of every check while the task is being stopped.
    private var stoppingOutput: String {
        "Task is stopping (desiredStatus STOPPED, lastStatus \(task.lastStatus)); traffic is drained"
    }

    private var isStopping: Bool { task.desiredStatus == .stopped }

    private func containerCheck(_ container: String) -> CatalogCheck {
        let (status, output): (CheckStatus, String)
        if isStopping {
            (status, output) = (.critical, stoppingOutput)
        } else if let healthOverride {
            (status, output) = (.critical, healthOverride)
        } else if containerHealth.isEmpty {
            // consul-ecs registers its checks with this output before the first health sync.
            (status, output) = (.critical, "Service \(service) is not ready: no container health reported yet")
        } else if let health = containerHealth[container] {
            (status, output) = (
                health == .healthy ? .passing : .critical,
                "ECS health status is \"\(health)\" for container \"\(container)\""
            )
        } else {
            (status, output) = (.critical, "Container \"\(container)\" is missing from the reported ECS health")
        }
        return CatalogCheck(
            checkID: MeshNames.containerCheckID(serviceID: serviceID, container: container),
            name: MeshNames.containerCheckName,
            serviceID: serviceID,
            status: status,
            output: output,
            notes: MeshNames.containerCheckNotes(container: container)
        )
    }

    private func taskStatusCheck() -> CatalogCheck {
        let desired = task.desiredStatus?.rawValue ?? "unknown"
        let (status, output): (CheckStatus, String)
        if isStopping {
            (status, output) = (.critical, stoppingOutput)
        } else if let healthOverride {
            (status, output) = (.critical, healthOverride)
        } else if task.lastStatus == .running, task.desiredStatus == .running {
            (status, output) = (.passing, "ECS task is RUNNING")
        } else {
            (status, output) = (.critical, "ECS task is not running (lastStatus \(task.lastStatus), desiredStatus \(desired))")
        }
        return CatalogCheck(
            checkID: MeshNames.taskStatusCheckID(serviceID: serviceID),
            name: MeshNames.taskStatusCheckName,
            serviceID: serviceID,
            status: status,
            output: output,
            notes: "ecs-mesh-controller created and updates this check from the ECS task status "
                + "because the task has no health-synced containers."
        )
    }

    private func proxyCheck(mirroring serviceChecks: [CatalogCheck]) -> CatalogCheck {
        let failing = serviceChecks.filter { $0.status != .passing }.map(\.checkID)
        let (status, output): (CheckStatus, String)
        if isStopping {
            (status, output) = (.critical, stoppingOutput)
        } else if let healthOverride {
            (status, output) = (.critical, healthOverride)
        } else if failing.isEmpty {
            (status, output) = (.passing, "All checks of service \(serviceID) are passing")
        } else {
            (status, output) = (.critical, "Service \(serviceID) has checks that are not passing: "
                + failing.joined(separator: ", "))
        }
        return CatalogCheck(
            checkID: MeshNames.proxyHealthCheckID(proxyID: proxyID),
            name: MeshNames.proxyHealthCheckName,
            serviceID: proxyID,
            status: status,
            output: output,
            notes: "ecs-mesh-controller created and updates this check so that the mesh routes to this "
                + "proxy only while service \(serviceID) is healthy."
        )
    }
}
