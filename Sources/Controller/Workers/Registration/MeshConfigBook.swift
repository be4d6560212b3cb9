import AWS
public import Logging
public import MeshModel
import Synchronization

/// How one task's mesh settings were decided, for the task's admin view (`meshConfig`) and the
/// ops CLI's `explain`: which source put the task in the mesh and named it, what the consul-ecs
/// config asked for that the controller does not honour, and why a config could not be used.
public struct MeshConfigStatus: Sendable, Equatable, Encodable {
    /// `consul-ecs-config` or `tags`: what put the task in the mesh; `nil` when it is not in the mesh.
    public var source: String?
    /// `consul-ecs-config`, `tag` or `family`: where the service (or gateway) name came from.
    public var nameSource: String?
    /// Whether the task definition carries a `CONSUL_ECS_CONFIG_JSON`.
    public var hasConsulECSConfig: Bool
    /// The container the config was read from.
    public var container: String?
    /// The gateway kind, for a gateway task.
    public var gatewayKind: String?
    /// Accepted fields that are not honoured.
    public var warnings: [ConsulECSConfigWarning]
    /// Why the config cannot be used; the task is then left unregistered.
    public var error: ConsulECSConfigError?

    public init(source: String? = nil, nameSource: String? = nil, hasConsulECSConfig: Bool = false,
                container: String? = nil, gatewayKind: String? = nil,
                warnings: [ConsulECSConfigWarning] = [], error: ConsulECSConfigError? = nil) {
        self.source = source
        self.nameSource = nameSource
        self.hasConsulECSConfig = hasConsulECSConfig
        self.container = container
        self.gatewayKind = gatewayKind
        self.warnings = warnings
        self.error = error
    }
}

/// The latest ``MeshConfigStatus`` per task ARN, shared by the registration worker (writer) and the
/// admin API (reader); it logs each task definition's warnings and errors once.
///
/// In memory: after a restart a task's status comes back with its next reconcile.
public final class MeshConfigBook: Sendable {
    private struct State {
        var statuses: [String: MeshConfigStatus] = [:]
        var order: [String] = []
        var loggedDefinitions: Set<String> = []
    }

    private let state = Mutex(State())
    private let maxEntries: Int

    public init(maxEntries: Int = 20_000) {
        self.maxEntries = max(1, maxEntries)
    }

    /// The status of `taskArn`, if it was resolved since start.
    public func status(taskArn: String) -> MeshConfigStatus? {
        state.withLock { $0.statuses[taskArn] }
    }

    /// Records `status` for `taskArn`; logs its warnings or error the first time `definitionArn` is seen.
    public func record(_ status: MeshConfigStatus, taskArn: String, definitionArn: String?, logger: Logger) {
        let firstSight = state.withLock { state -> Bool in
            if state.statuses.updateValue(status, forKey: taskArn) == nil { state.order.append(taskArn) }
            while state.statuses.count > maxEntries, !state.order.isEmpty {
                state.statuses[state.order.removeFirst()] = nil
            }
            if state.order.count > maxEntries * 2 { state.order = state.order.filter { state.statuses[$0] != nil } }
            guard let definitionArn else { return false }
            if state.loggedDefinitions.count > maxEntries { state.loggedDefinitions.removeAll() }
            return state.loggedDefinitions.insert(definitionArn).inserted
        }
        guard firstSight else { return }
        if let error = status.error {
            logger.error("CONSUL_ECS_CONFIG_JSON cannot be used; tasks of this definition stay unregistered", metadata: [
                "aws.ecs.task_definition": .string(definitionArn ?? ""), "mesh.config.field": .string(error.field),
                "mesh.error": .string(error.reason),
            ])
        }
        for warning in status.warnings {
            logger.warning("CONSUL_ECS_CONFIG_JSON field not honoured", metadata: [
                "aws.ecs.task_definition": .string(definitionArn ?? ""), "mesh.config.field": .string(warning.field),
                "mesh.config.warning": .string(warning.message),
            ])
        }
    }

    /// Forgets a task (it stopped and left the catalog).
    public func forget(taskArn: String) {
        _ = state.withLock { $0.statuses.removeValue(forKey: taskArn) }
    }
}

/// Finds a task definition's `CONSUL_ECS_CONFIG_JSON`: the `consul-ecs-mesh-init` container's (as
/// the `mesh-task` and `gateway-task` modules write it), else the first container that sets it.
enum ConsulECSConfigLocator {
    static let meshInitContainer = "consul-ecs-mesh-init"

    /// The container's name and the variable's text, or `nil` when no container sets it.
    static func config(in definition: ECSTaskDefinition) -> (container: String, text: String)? {
        let name = ConsulECSConfig.environmentVariable
        let containers = definition.containerDefinitions.filter { $0.name == meshInitContainer }
            + definition.containerDefinitions.filter { $0.name != meshInitContainer }
        for container in containers {
            if let text = container.environmentValue(name) { return (container.name, text) }
        }
        return nil
    }
}
