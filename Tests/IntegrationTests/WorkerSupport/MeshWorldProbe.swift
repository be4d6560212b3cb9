import AsyncHTTPClient
import AWS
import Consul
import Foundation
import Logging
import MeshModel

/// Reads what the workers wrote: Consul (with the management token) and Secrets Manager (moto).
struct MeshWorldProbe: Sendable {
    let consul: ConsulClient
    let secrets: SecretsManagerClient
    let logger = Logger(label: "mesh-world-probe")

    /// A probe of the stack's Consul, or of the agent at `consulAddress` with `consulToken`.
    init(consulAddress: String? = nil, consulToken: String? = nil) throws {
        let environment = ProcessInfo.processInfo.environment
        var consulEnvironment = environment
        if let consulAddress { consulEnvironment["CONSUL_HTTP_ADDR"] = consulAddress }
        if let consulToken { consulEnvironment["CONSUL_HTTP_TOKEN"] = consulToken }
        consul = try ConsulClient(httpClient: .shared, configuration: ConsulConfiguration(environment: consulEnvironment))
        let endpoints = try AWSEndpoints(environment: environment.merging(["AWS_REGION": environment["AWS_REGION"] ?? "us-east-1"]) { old, _ in old })
        secrets = SecretsManagerClient(
            client: .shared, endpoint: endpoints.secretsManager, region: endpoints.region,
            credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "test", secretAccessKey: "test")))
    }

    /// Instances of `service` (all, or only those whose checks all pass).
    func instances(_ service: String, passingOnly: Bool = false) async throws -> [ServiceHealth] {
        try await consul.serviceHealth(service, passingOnly: passingOnly, logger: logger).value
    }

    /// The IDs in the service's secret, or `nil` when the secret does not exist or holds no IDs.
    func secret(_ name: String) async throws -> TokenSecret? {
        do {
            let value = try await secrets.getSecretValue(secretId: name)
            guard let text = value.secretString else { return nil }
            return try? JSONDecoder().decode(TokenSecret.self, from: Data(text.utf8))
        } catch let error as AWSError where error.isNotFound {
            return nil
        }
    }

    /// Whether the secret `name` exists at all.
    func secretExists(_ name: String) async throws -> Bool {
        do {
            _ = try await secrets.describeSecret(secretId: name)
            return true
        } catch let error as AWSError where error.isNotFound {
            return false
        }
    }

    /// Consul tokens whose description is our service token description for `clusterArn`.
    func serviceTokens(clusterArn: String) async throws -> [ACLToken] {
        try await consul.tokens(logger: logger).value.filter {
            ServiceTokenPlan.serviceName(fromTokenDescription: $0.description, clusterArn: clusterArn) != nil
        }
    }

    /// `GET /v1/acl/token/self` with `secret`: the token the secret authenticates as.
    func tokenSelf(secret: String) async throws -> ACLToken {
        try await consul.with(token: ConsulToken(secret)).tokenSelf(logger: logger)
    }

    /// Our registrations of `service` (its instances and their sidecar proxies) on the cluster's node.
    func ourServices(clusterArn: String, service: String) async throws -> [CatalogService] {
        try await nodeServices(clusterArn: clusterArn).filter {
            $0.meta["source"] == MeshPlanConfiguration.defaultSourceMeta
                && ($0.name == service || $0.name == service + "-sidecar-proxy")
        }
    }

    /// The services on the cluster's synthetic node (empty when the node does not exist).
    func nodeServices(clusterArn: String) async throws -> [CatalogService] {
        try await consul.nodeServices(node: clusterArn, logger: logger).value?.services ?? []
    }
}

/// A short unique suffix for names (clusters, services, secret prefixes) so parallel tests never collide.
func uniqueSuffix() -> String {
    String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(8))
}

/// Whether the integration servers are there (the README's test command sets this).
let integrationEnabled = ProcessInfo.processInfo.environment["MESH_INTEGRATION"] == "1"
