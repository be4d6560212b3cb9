import Journal
import MeshModel

/// The registration sentence of ``TaskExplanation``: what Consul lists of the task when `explain`
/// asked (``ConsulRegistrationView``), set against what the controller wants and its task key.
/// When Consul was not read, the controller's record (desired state and task key) speaks alone,
/// and says so when Consul could not be read.
extension TaskExplanation {
    /// The IDs a task registers on its cluster's node: its service, and its sidecar proxy unless it is a gateway.
    struct RegistrationNames {
        var service: String
        var proxy: String?
        var node: String

        init(_ facts: TaskExplanationFacts) {
            let task = facts.row.task
            service = MeshNames.serviceID(service: facts.row.meta?.serviceName ?? "?", taskID: task.taskID)
            proxy = facts.membership.gatewayKind == nil ? MeshNames.proxyID(serviceID: service) : nil
            node = task.clusterArn
        }

        /// `service S and proxy P on node N`.
        var all: String {
            (proxy.map { "service \(service) and proxy \($0)" } ?? "service \(service)") + " on node \(node)"
        }

        /// What Consul listed, as a clause: `Consul lists …`, `Consul lists neither …`, or which one it lists.
        func listing(service listed: Bool, proxy proxyListed: Bool?) -> String {
            guard let proxy, let proxyListed else {  // a gateway: its service alone
                return listed ? "Consul lists \(all) now" : "Consul does not list service \(service) on node \(node) now"
            }
            switch (listed, proxyListed) {
            case (true, true): return "Consul lists \(all) now"
            case (false, false): return "Consul lists neither service \(service) nor proxy \(proxy) on node \(node) now"
            case (true, false): return "Consul lists service \(service) on node \(node) now, but not proxy \(proxy)"
            case (false, true): return "Consul lists proxy \(proxy) on node \(node) now, but not service \(service)"
            }
        }
    }

    static func registration(_ facts: TaskExplanationFacts, desiredState: String) -> String {
        switch facts.consul {
        case .notRead:
            return recordedRegistration(facts, desiredState: desiredState)
        case .unreadable(let error):
            return recordedRegistration(facts, desiredState: desiredState)
                + " Consul could not be read just now (\(error)), so this is the controller's record."
        case .read(let service, let proxy):
            return liveRegistration(facts, desiredState: desiredState, service: service, proxy: proxy)
        }
    }

    /// The sentence from what Consul listed just now.
    static func liveRegistration(_ facts: TaskExplanationFacts, desiredState: String, service: Bool, proxy: Bool?) -> String {
        let task = facts.row.task
        let names = RegistrationNames(facts)
        let listing = names.listing(service: service, proxy: proxy)
        let complete = service && proxy != false
        let anyListed = service || proxy == true
        let converged = facts.work?.state == .done
        let retry = "`ecs-mesh-controller retry \(WorkKey.task(arn: task.taskArn).shortForm)`"
        switch desiredState {
        case "registered":
            let at = task.address.map { ", at \($0)" + (facts.row.meta?.servicePort.map { ":\($0)" } ?? "") } ?? ""
            switch (complete, converged) {
            case (true, true): return "It is registered: \(listing)\(at)."
            case (true, false): return "\(listing)\(at); its task key has not converged yet."
            case (false, true):
                return "\(listing), though its task key is done: it was changed outside the controller. "
                    + "The next resync registers it again, or run \(retry)."
            case (false, false): return "\(listing); its task key registers them."
            }
        case "draining":
            return anyListed
                ? "ECS wants it stopped (desiredStatus STOPPED): \(listing), with critical checks so traffic drains, "
                    + "until ECS reports it STOPPED."
                : "ECS wants it stopped (desiredStatus STOPPED), and \(listing): no traffic reaches it."
        case "deregistered":
            if !anyListed { return "It stopped and is deregistered: \(listing)." }
            return converged ? "It stopped, yet \(listing); run \(retry) to deregister it."
                : "It stopped: \(listing); it is deregistered once its task key converges."
        default:
            return "It is not running yet (lastStatus \(task.lastStatus.rawValue)): \(listing); "
                + "it is registered once ECS reports it RUNNING."
        }
    }

    /// The sentence from the controller's record alone (desired state and task key).
    static func recordedRegistration(_ facts: TaskExplanationFacts, desiredState: String) -> String {
        let task = facts.row.task
        let names = RegistrationNames(facts).all
        let converged = facts.work?.state == .done
        switch desiredState {
        case "registered":
            let at = task.address.map { " at \($0)" + (facts.row.meta?.servicePort.map { ":\($0)" } ?? "") } ?? ""
            return converged ? "It is registered in Consul as \(names)\(at)."
                : "It should be registered as \(names)\(at); its task key has not converged yet."
        case "draining":
            return "ECS wants it stopped (desiredStatus STOPPED): \(names) stay registered with critical checks so "
                + "traffic drains, and are deregistered when ECS reports it STOPPED."
        case "deregistered":
            return converged ? "It stopped: \(names) are deregistered."
                : "It stopped: \(names) are deregistered once its task key converges."
        default:
            return "It is not running yet (lastStatus \(task.lastStatus.rawValue)): \(names) are registered once ECS reports it RUNNING."
        }
    }
}
