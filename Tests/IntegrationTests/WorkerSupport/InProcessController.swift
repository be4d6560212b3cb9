import AsyncHTTPClient
import Foundation
import HTTPServer
import Journal
import Logging
import ServiceLifecycle
@testable import Controller

/// The controller's journal, ingest handler and workers, wired as ``MeshControllerApp`` wires them,
/// inside the test process: events go through the real ingest handler (decode, journal, schedule),
/// the real workers talk to the real Consul and moto.
final class InProcessController: Sendable {
    static let apiKey = "in-process-webhook-key-0123456789"

    let configuration: MeshConfiguration
    let journal: EventJournal
    let workers: ControllerWorkers
    let handler: EventIngestHandler
    let directory: URL
    private let httpClient: HTTPClient
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    /// Starts a controller on a fresh journal.
    /// - Parameters:
    ///   - secretsPrefix: Unique per test, so tests sharing moto never share secrets.
    ///   - consulAddress: Consul to use (default: the stack's `CONSUL_HTTP_ADDR`).
    ///   - consulToken: Its management token (default: the stack's `CONSUL_HTTP_TOKEN`).
    ///   - configure: Further changes to the configuration.
    init(secretsPrefix: String, consulAddress: String? = nil, consulToken: String? = nil,
         configure: (inout MeshConfiguration) -> Void = { _ in }) async throws {
        let environment = ProcessInfo.processInfo.environment
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mesh-worker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = MeshConfiguration()
        configuration.journal.path = directory.appendingPathComponent("journal.sqlite").path
        configuration.webhook.apiKey = Self.apiKey
        configuration.consul.httpAddr = consulAddress ?? environment["CONSUL_HTTP_ADDR"] ?? "http://127.0.0.1:18500"
        configuration.consul.token = consulToken ?? environment["CONSUL_HTTP_TOKEN"]
        configuration.aws.region = environment["AWS_REGION"] ?? "us-east-1"
        configuration.aws.endpointURL = environment["AWS_ENDPOINT_URL"]
        configuration.mesh.secretsPrefix = secretsPrefix
        configuration.work.backoffBaseMillis = 50
        configuration.work.backoffCapSeconds = 1
        configure(&configuration)
        self.configuration = configuration

        var logger = Logger(label: "in-process-controller")
        logger.logLevel = environment["MESH_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        journal = try EventJournal(configuration: JournalConfiguration(path: configuration.journal.path), logger: logger)
        httpClient = OutboundHTTPClient.make()
        workers = try ControllerWorkers.make(configuration: configuration, environment: environment, journal: journal,
                                             httpClient: httpClient, logger: logger)
        try await workers.prepare()
        handler = EventIngestHandler(
            authenticator: WebhookAuthenticator(apiKeyHeader: "x-api-key", apiKey: Self.apiKey,
                                                basicUsername: nil, basicPassword: nil),
            allowList: ClusterAllowList([]), sink: journal, retryAfterSeconds: 1,
            scheduler: workers.queue, logger: logger
        )
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: workers.queue)], logger: logger))
        self.group = group
        running = Task { try await group.run() }
    }

    /// Posts events through the ingest handler, as EventBridge would; returns the HTTP status.
    @discardableResult
    func post(_ events: [[String: Any]]) async -> Int {
        var headers = HTTPHeaders()
        headers.add(name: "x-api-key", value: Self.apiKey)
        headers.add(name: "Content-Type", value: "application/json")
        let request = HTTPRequest(method: .post, path: "/v1/events", headers: headers,
                                  body: MeshEventBuilder.body(events))
        return await handler.handle(request).status
    }

    /// The durable work item of `key`.
    func workItem(_ key: String) async throws -> WorkItem? {
        try await journal.workItem(key: key)
    }

    /// Work keys not yet done (pending, running or parked).
    func unfinishedWork() async throws -> [WorkItem] {
        try await journal.work(state: nil, limit: 10_000).filter { $0.state != .done }
    }

    /// Stops the queue (attempts in flight finish), closes the journal and the HTTP client.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        await journal.close()
        try? await httpClient.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }
}
