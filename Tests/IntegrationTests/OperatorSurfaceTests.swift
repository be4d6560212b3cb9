import AsyncHTTPClient
import Foundation
import MeshModel
import MeshTestSupport
import NIOCore
import NIOHTTP1
import Testing

/// The operator surface of the real executable against real Consul 1.8.7 and moto: the admin API
/// behind its bearer token, `/metrics` read by a real Prometheus text parser, and debug-level JSON
/// logs that never carry a secret.
@Suite(.enabled(if: integrationEnabled && ControllerProcess.isAvailable,
                "needs MESH_INTEGRATION=1 and MESH_CONTROLLER_BIN (deploy/local/test.sh)"))
struct OperatorSurfaceTests {
    static let adminToken = "operator-admin-token-\(UUID().uuidString)"

    /// A mesh task goes from event to registered; the admin API explains it, refuses requests
    /// without the token, is absent from the public listener, `/metrics` parses, and the debug log
    /// holds a request ID on request lines, a work key on attempt lines, and none of the secrets.
    @Test(.timeLimit(.minutes(3)))
    func operatorSurface_whenTaskProvisioned_explainsItWithoutLeakingSecrets() async throws {
        // Given a mesh task in moto and the controller at debug level with JSON logs
        let sfx = uniqueSuffix()
        let service = "ops-\(sfx)"
        let moto = try await MotoECSFixture.run(cluster: "ops-\(sfx)", services: [
            .init(family: service, ports: [8080], count: 1, tags: ["consul.hashicorp.com/mesh": "true"]),
        ])
        let task = try #require(moto.tasks.first)
        let controller = try ControllerProcess(extraEnvironment: [
            "MESH_ADMIN_TOKEN": Self.adminToken, "MESH_LOG_LEVEL": "debug", "MESH_LOG_FORMAT": "json",
            "MESH_SECRETS_PREFIX": "ops-\(sfx)", "MESH_RESYNC_ENABLED": "false",
        ])
        try await controller.start()
        defer { controller.terminate() }
        let probe = try MeshWorldProbe()

        // When the task's events arrive and the worker provisions the token and registration
        for event in MeshEventBuilder.lifecycle(task, clusterArn: moto.clusterArn).prefix(3) {
            #expect(try await controller.postEvent(MeshEventBuilder.body([event])).status == 202)
        }
        let registered = await eventually {
            let detail = try await admin(controller, "/v1/tasks/\(task.taskID)")
            let work = (detail.json["work"] as? [String: Any])?["state"] as? String
            return (detail.json["task"] as? [String: Any])?["desiredState"] as? String == "registered" && work == "done"
        }
        #expect(registered, "the admin API should show the task registered with its work done")
        // The token is the service key's work, which runs beside the task's registration: wait for it too
        let secretName = "ops-\(sfx)-\(service)"
        let provisioned = await eventually { try await probe.secret(secretName) != nil }
        #expect(provisioned, "the service's token secret \(secretName) should be written")
        let secret = try #require(try await probe.secret(secretName))
        // A heartbeat carries the service's token secret in X-Consul-Token (it must not be logged either);
        // the controller re-reads token hashes at most once a second, so a fresh token may get 401 first.
        var heartbeatStatus = 0
        let heartbeatAccepted = await eventually {
            heartbeatStatus = try await send(controller.baseURL + "/v1/heartbeats", method: .POST,
                                             headers: ["X-Consul-Token": secret.token, "Content-Type": "application/json"],
                                             body: #"{"taskArn":"\#(task.taskArn)","state":"RUNNING","containers":[{"name":"app","health":"HEALTHY"}]}"#).status
            return (200..<300).contains(heartbeatStatus)
        }
        #expect(heartbeatAccepted, "heartbeat answered \(heartbeatStatus)")

        // Then the admin API refuses requests without the token, and the public listener has no admin paths
        for path in ["/v1/status", "/v1/tasks", "/v1/services", "/v1/work", "/v1/journal", "/metrics"] {
            #expect(try await send(controller.adminURL + path).status == 401, "admin \(path) without token")
            #expect(try await send(controller.baseURL + path, headers: bearer).status == 404, "public \(path)")
        }
        #expect(try await send(controller.adminURL + "/v1/status", headers: ["Authorization": "Bearer wrong-token-0123456789"]).status == 401)
        // Services show the accessor ID and secret ARN, never the secret
        let services = try await admin(controller, "/v1/services")
        let entry = try #require((services.json["items"] as? [[String: Any]])?.first { $0["name"] as? String == service })
        #expect(entry["accessorId"] as? String == secret.accessorID)
        #expect((entry["secretArn"] as? String)?.contains("ops-\(sfx)-\(service)") == true)
        #expect(entry["tasks"] as? [String] == [task.taskID])
        #expect(!services.text.contains(secret.token))
        // Status says Consul and AWS answered
        let status = try await admin(controller, "/v1/status").json
        #expect((status["consul"] as? [String: Any])?["answeredRecently"] as? Bool == true)
        #expect((status["aws"] as? [String: Any])?["answeredRecently"] as? Bool == true)
        // /metrics parses with prometheus_client and carries the documented series
        let metrics = try await send(controller.adminURL + "/metrics", headers: bearer)
        #expect(metrics.status == 200)
        let families = try await prometheusFamilies(metrics.body)
        for name in ["mesh_http_requests", "mesh_journal_commit_duration_seconds", "mesh_journal_commit_batch_size",
                     "mesh_work_keys", "mesh_work_outcomes", "mesh_consul_request_duration_seconds",
                     "mesh_aws_request_duration_seconds", "mesh_last_event_age_seconds", "mesh_heartbeats_received"] {
            #expect(families.contains(name), "metric family \(name) in \(families.sorted())")
        }
        // The admin paths asked of the public listener above were answered 404 by no route, and are counted
        let exposition = String(decoding: metrics.body, as: UTF8.self)
        #expect(exposition.contains(#"mesh_http_requests_total{listener="public",route="(unmatched)",method="GET",status="404"} 6"#),
                "unmatched requests counted: \(exposition.split(separator: "\n").filter { $0.contains("unmatched") })")

        // And the debug log: JSON lines, request IDs and work keys present, no secret anywhere
        #expect(controller.terminate() == 0)
        let log = try String(contentsOf: controller.logURL, encoding: .utf8)
        let lines = log.split(separator: "\n").map(String.init)
        var requestLines = 0, attemptLines = 0
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
            if object["http.path"] != nil {
                requestLines += 1
                #expect(object["mesh.request.id"] != nil, "request line without mesh.request.id: \(line)")
            }
            if object["mesh.work.attempt"] != nil {
                attemptLines += 1
                #expect(object["mesh.work.key"] != nil, "attempt line without mesh.work.key: \(line)")
            }
        }
        #expect(requestLines > 0 && attemptLines > 0)
        let consulManagementToken = ProcessInfo.processInfo.environment["CONSUL_HTTP_TOKEN"] ?? "unset-management-token"
        for (name, value) in [("admin token", Self.adminToken), ("webhook API key", ControllerProcess.apiKey),
                              ("service token secret", secret.token), ("Consul management token", consulManagementToken)] {
            #expect(!log.contains(value), "\(name) appears in the log")
        }
    }

    private var bearer: [String: String] { ["Authorization": "Bearer \(Self.adminToken)"] }

    private func admin(_ controller: ControllerProcess, _ path: String) async throws -> (json: [String: Any], text: String) {
        let response = try await send(controller.adminURL + path, headers: bearer)
        let text = String(decoding: response.body, as: UTF8.self)
        return ((try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:], text)
    }

    private func send(_ url: String, method: HTTPMethod = .GET, headers: [String: String] = [:],
                      body: String? = nil) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let buffer = try await response.body.collect(upTo: 4 << 20)
        return (Int(response.status.code), Array(buffer.readableBytesView))
    }

    /// Metric family names, as `prometheus_client.parser.text_string_to_metric_families` reads them
    /// (it raises on anything that is not valid text exposition format).
    private func prometheusFamilies(_ exposition: [UInt8]) async throws -> Set<String> {
        let output = try await Subprocess.run(["python3", "-c", """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(sys.stdin.read()):
                print(family.name)
            """], input: Data(exposition))
        guard output.status == 0 else {
            throw ProcessFailure("prometheus_client rejected /metrics: \(output.stderrText)")
        }
        let names = output.stdout
        return Set(String(decoding: names, as: UTF8.self).split(separator: "\n").map(String.init))
    }
}
