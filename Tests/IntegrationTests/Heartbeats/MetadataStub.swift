import Foundation
import HTTPServer
import Logging
import Synchronization

/// A stub of the ECS task metadata endpoint v4 (the only stub these tests use): serves the
/// documented `${ECS_CONTAINER_METADATA_URI_V4}` (the calling container) and `/task` formats, with
/// the `app` container's health and status set by the test.
final class MetadataStub: Sendable {
    struct App: Sendable {
        var health = "HEALTHY"
        var knownStatus = "RUNNING"
    }

    let taskArn: String
    let server: EventHTTPServer
    let port: Int
    private let app: AppBox

    var uri: String { "http://127.0.0.1:\(port)/v4/stub" }

    init(taskArn: String) async throws {
        self.taskArn = taskArn
        let state = AppBox()
        app = state
        var router = Router()
        router.add(.get, "/v4/stub") { _ in
            Self.json(#"{"DockerId":"hb1","Name":"heartbeat","KnownStatus":"RUNNING","DesiredStatus":"RUNNING","Type":"NORMAL"}"#)
        }
        router.add(.get, "/v4/stub/task") { _ in
            let app = state.value.withLock { $0 }
            let desired = app.knownStatus == "STOPPED" ? "STOPPED" : "RUNNING"
            return Self.json("""
                {"Cluster":"hb","TaskARN":"\(taskArn)","Family":"web","Revision":"1","DesiredStatus":"RUNNING","KnownStatus":"RUNNING",
                 "Containers":[
                  {"DockerId":"a1","Name":"app","KnownStatus":"\(app.knownStatus)","DesiredStatus":"\(desired)","Type":"NORMAL",
                   "Health":{"status":"\(app.health)","statusSince":"2026-11-22T10:00:00Z","exitCode":0}},
                  {"DockerId":"hb1","Name":"heartbeat","KnownStatus":"RUNNING","DesiredStatus":"RUNNING","Type":"NORMAL"}]}
                """)
        }
        server = EventHTTPServer(configuration: HTTPServerConfiguration(listeners: [
            .init(name: "metadata", host: "127.0.0.1", port: 0, router: router),
        ]), logger: Logger(label: "metadata-stub", factory: { _ in SwiftLogNoOpLogHandler() }))
        port = try await server.start()["metadata"] ?? 0
    }

    func set(health: String? = nil, knownStatus: String? = nil) {
        app.value.withLock { app in
            if let health { app.health = health }
            if let knownStatus { app.knownStatus = knownStatus }
        }
    }

    private static func json(_ text: String) -> HTTPResponse {
        HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: Array(text.utf8))
    }
}

/// Shares the stub's mutable state with its route handlers.
final class AppBox: Sendable {
    let value = Mutex(MetadataStub.App())
}
