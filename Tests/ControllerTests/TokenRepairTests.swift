import Consul
import MeshModel
import Testing
@testable import Controller

/// ``TokenRepair``: what a token check writes, decided without I/O.
struct TokenRepairTests {
    static let blue = "arn:aws:ecs:us-east-1:111122223333:cluster/blue"
    static let green = "arn:aws:ecs:us-east-1:111122223333:cluster/green"
    static let ids = TokenSecret.generate()

    private static func token(cluster: String, secret: String = ids.token, identity: String = "web") -> ACLToken {
        ACLToken(accessorID: ids.accessorID, secretID: ConsulToken(secret),
                 description: ServiceTokenPlan(serviceName: "web", clusterArn: cluster, secretNamePrefix: "p").tokenDescription,
                 serviceIdentities: [ACLServiceIdentity(serviceName: identity)])
    }

    private static func repair(_ existing: ACLToken?, live: [String] = [blue, green]) -> TokenRepair {
        TokenRepair.forService(existing: existing, desired: token(cluster: blue), serviceName: "web", liveClusters: live)
    }

    /// A right token needs nothing, whichever running cluster its description names.
    @Test func forService_whenTokenRight_needsNothing() {
        #expect(Self.repair(Self.token(cluster: Self.blue)) == TokenRepair.none)
        #expect(Self.repair(Self.token(cluster: Self.green)) == TokenRepair.none)
    }

    /// Missing → create; another secret → recreate (Consul cannot change a SecretID).
    @Test func forService_whenMissingOrOtherSecret_createsOrRecreates() {
        #expect(Self.repair(nil) == .create)
        #expect(Self.repair(Self.token(cluster: Self.blue, secret: TokenSecret.generate().token)) == .recreate)
    }

    /// A wrong identity, or a description naming no running cluster, is updated in place.
    @Test func forService_whenIdentityOrDescriptionDrifted_updates() {
        guard case .update(let identity) = Self.repair(Self.token(cluster: Self.blue, identity: "api")) else {
            Issue.record("identity drift must update"); return
        }
        #expect(identity.count == 1)
        guard case .update(let description) = Self.repair(Self.token(cluster: Self.green), live: [Self.blue]) else {
            Issue.record("description drift must update"); return
        }
        #expect(description == ["description names no cluster that runs the service"])
    }

    /// The home cluster stays the one the token names while it runs the service, else the first.
    @Test func homeCluster_keepsNamedClusterWhileItRunsTheService() {
        #expect(TokenRepair.homeCluster(of: Self.token(cluster: Self.green), serviceName: "web",
                                        liveClusters: [Self.blue, Self.green]) == Self.green)
        #expect(TokenRepair.homeCluster(of: Self.token(cluster: Self.green), serviceName: "web",
                                        liveClusters: [Self.blue]) == Self.blue)
        #expect(TokenRepair.homeCluster(of: nil, serviceName: "web", liveClusters: [Self.green, Self.blue]) == Self.blue)
        #expect(TokenRepair.homeCluster(of: nil, serviceName: "web", liveClusters: []) == nil)
    }

    /// The client token: only its secret matters.
    @Test func forSecret_comparesTheSecretOnly() {
        let right = Self.token(cluster: Self.blue)
        var edited = right
        edited.description = "edited"
        #expect(TokenRepair.forSecret(existing: edited, desired: right) == TokenRepair.none)
        #expect(TokenRepair.forSecret(existing: nil, desired: right) == .create)
        #expect(TokenRepair.forSecret(existing: Self.token(cluster: Self.blue, secret: TokenSecret.generate().token),
                                      desired: right) == .recreate)
    }
}
