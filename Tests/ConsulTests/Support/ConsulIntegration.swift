import AsyncHTTPClient
import Consul
import Foundation
import Logging

/// Access to the real Consul agent that `deploy/local/stack.sh start` runs (env from `.state/env`).
enum ConsulIntegration {
    /// Integration tests run only when the environment says the stack is up.
    static let enabled = ProcessInfo.processInfo.environment["MESH_INTEGRATION"] == "1"

    static let logger = Logger(label: "ConsulTests")

    /// A client acting with the agent's management token (`CONSUL_HTTP_TOKEN`).
    static func managementClient() throws -> ConsulClient {
        let configuration = try ConsulConfiguration(environment: ProcessInfo.processInfo.environment)
        return try ConsulClient(httpClient: .shared, configuration: configuration)
    }

    /// A name no other test (or earlier run) uses: `<prefix>-<8 hex>`.
    static func unique(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// A lower-case UUID, the form Consul uses for accessor and secret IDs.
    static func uuid() -> String { UUID().uuidString.lowercased() }

    /// A cluster-ARN-like synthetic node name, as consul-ecs uses.
    static func clusterNode() -> String {
        "arn:aws:ecs:us-east-1:123456789012:cluster/\(unique("consul-tests"))"
    }

    /// Runs `body`, then `cleanup` whether or not `body` threw (best effort; cleanup errors are ignored).
    static func withCleanup<T>(
        _ body: () async throws -> T, cleanup: () async -> Void
    ) async throws -> T {
        do {
            let result = try await body()
            await cleanup()
            return result
        } catch {
            await cleanup()
            throw error
        }
    }
}
