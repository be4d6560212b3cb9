import Foundation
@testable import HeartbeatAgent
import Logging
import MeshTestSupport
import Synchronization
import Testing

/// A metadata endpoint and controller in memory: serves scripted task metadata, records posts.
final class ScriptedTransport: HeartbeatTransport {
    private struct State {
        var metadata: TaskMetadata
        var statuses: [Int] = []
        var posted: [HeartbeatReport] = []
        var failuresLeft = 0
    }
    private let state: Mutex<State>

    init(metadata: TaskMetadata, failures: Int = 0) {
        state = Mutex(State(metadata: metadata, failuresLeft: failures))
    }

    func setMetadata(_ metadata: TaskMetadata) { state.withLock { $0.metadata = metadata } }
    var posted: [HeartbeatReport] { state.withLock { $0.posted } }

    func fetchTask() async throws -> TaskMetadata { state.withLock { $0.metadata } }
    func fetchSelfName() async throws -> String { "heartbeat" }
    func post(_ report: HeartbeatReport) async throws -> Int {
        try state.withLock { state in
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                throw URLError(.cannotConnectToHost)
            }
            state.posted.append(report)
            return 200
        }
    }
}

struct HeartbeatAgentTests {
    static let arn = "arn:aws:ecs:us-east-1:123456789012:task/demo/0123456789abcdef0123456789abcdef"

    static func metadata(app: String = "RUNNING", health: String? = "HEALTHY") -> TaskMetadata {
        TaskMetadata(taskArn: arn, containers: [
            .init(name: "app", knownStatus: app, desiredStatus: "RUNNING", health: health),
            .init(name: "heartbeat", knownStatus: "RUNNING", desiredStatus: "RUNNING", health: nil),
        ])
    }

    static func configuration(interval: Duration = .milliseconds(20)) -> HeartbeatAgentConfiguration {
        HeartbeatAgentConfiguration(metadataURI: "http://127.0.0.1:1/v4/x", controllerURL: "http://127.0.0.1:2",
                                    token: "t", interval: interval, maxBackoff: .milliseconds(20))
    }

    /// The documented v4 `/task` format decodes: task ARN, names, known status and `Health.status`.
    @Test func decode_whenDocumentedTaskFormat_readsHealthAndStatus() throws {
        // Given
        let json = """
            {"Cluster":"demo","TaskARN":"\(Self.arn)","Family":"web","Revision":"3","DesiredStatus":"RUNNING",
             "KnownStatus":"RUNNING","Containers":[
               {"DockerId":"abc","Name":"app","KnownStatus":"RUNNING","DesiredStatus":"RUNNING","Type":"NORMAL",
                "Health":{"status":"HEALTHY","statusSince":"2020-10-02T00:15:08Z","exitCode":0}},
               {"DockerId":"def","Name":"heartbeat","KnownStatus":"RUNNING","DesiredStatus":"RUNNING","Type":"NORMAL"}]}
            """
        // When
        let metadata = try TaskMetadata.decode(Data(json.utf8))
        // Then
        #expect(metadata == Self.metadata())
    }

    /// The report skips the sidecar itself; a container without a health check is UNKNOWN.
    @Test func report_whenSelfAndUncheckedContainers_skipsSelfAndSaysUnknown() {
        // Given
        let metadata = TaskMetadata(taskArn: Self.arn, containers: [
            .init(name: "app", knownStatus: "RUNNING", health: "UNHEALTHY"),
            .init(name: "worker", knownStatus: "RUNNING", health: nil),
            .init(name: "heartbeat", knownStatus: "RUNNING", health: "HEALTHY"),
        ])
        // When
        let report = HeartbeatReport(metadata: metadata, state: .running, selfName: "heartbeat", only: nil)
        // Then
        #expect(report.containers.map(\.name) == ["app", "worker"])
        #expect(report.containers.map(\.health) == ["UNHEALTHY", "UNKNOWN"])
    }

    /// Configuration comes from the environment; CONSUL_HTTP_TOKEN is the token fallback.
    @Test func configuration_whenEnvironmentSet_readsEveryVariable() throws {
        // Given
        let environment = [
            "ECS_CONTAINER_METADATA_URI_V4": "http://169.254.170.2/v4/abc", "MESH_HEARTBEAT_URL": "http://ctl:8080",
            "CONSUL_HTTP_TOKEN": "secret", "MESH_HEARTBEAT_INTERVAL_SECONDS": "2", "MESH_HEARTBEAT_CONTAINERS": "app, web",
        ]
        // When
        let configuration = try HeartbeatAgentConfiguration(environment: environment)
        // Then
        #expect(configuration.token == "secret")
        #expect(configuration.interval == .seconds(2))
        #expect(configuration.maxBackoff == .seconds(2))
        #expect(configuration.containers == ["app", "web"])
    }

    /// A missing controller URL is an error naming the variable.
    @Test func configuration_whenURLMissing_namesVariable() {
        // Given / When / Then
        #expect(throws: HeartbeatAgentConfigurationError(variable: "MESH_HEARTBEAT_URL", reason: "must be set")) {
            try HeartbeatAgentConfiguration(environment: ["ECS_CONTAINER_METADATA_URI_V4": "http://x/v4", "CONSUL_HTTP_TOKEN": "t"])
        }
    }

    /// An unreachable controller is retried with backoff until a heartbeat is delivered.
    @Test(.timeLimit(.minutes(1)))
    func run_whenControllerUnreachable_retriesUntilDelivered() async throws {
        // Given a transport that fails three times
        let transport = ScriptedTransport(metadata: Self.metadata(), failures: 3)
        let agent = HeartbeatAgent(configuration: Self.configuration(), transport: transport, logger: Logger(label: "t"))
        let running = Task { await agent.run() }
        // When
        let delivered = await eventually { !transport.posted.isEmpty }
        // Then
        #expect(delivered)
        #expect(transport.posted.first?.state == .running)
        running.cancel()
        agent.requestStop()
        transport.setMetadata(Self.metadata(app: "STOPPED"))
        await running.value
    }

    /// After a stop request every report says STOPPING, and the loop ends only once the app stopped.
    @Test(.timeLimit(.minutes(1)))
    func run_whenStopRequested_reportsStoppingUntilAppsStopped() async throws {
        // Given a running agent
        let transport = ScriptedTransport(metadata: Self.metadata())
        let agent = HeartbeatAgent(configuration: Self.configuration(), transport: transport, logger: Logger(label: "t"))
        let running = Task { await agent.run() }
        #expect(await eventually { !transport.posted.isEmpty })
        // When SIGTERM arrives while the app still runs
        agent.requestStop()
        #expect(await eventually { transport.posted.filter { $0.state == .stopping }.count >= 2 })
        // Then it keeps going until the app container stopped, and every later report is STOPPING
        transport.setMetadata(Self.metadata(app: "STOPPED", health: "UNHEALTHY"))
        await running.value
        let states = transport.posted.map(\.state)
        let firstStopping = try #require(states.firstIndex(of: .stopping))
        #expect(states[firstStopping...].allSatisfy { $0 == .stopping })
        #expect(transport.posted.last?.containers.first?.health == "UNHEALTHY")
    }
}
