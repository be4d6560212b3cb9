import Consul
import Foundation
import MeshTestSupport
import Synchronization
import Testing

/// The operator subcommands of the real executable against a real controller (real Consul 1.8.7
/// and moto behind it), configured only with `MESH_ADMIN_ADDR` and `MESH_ADMIN_TOKEN`, as an
/// operator at a shell would.
@Suite(.enabled(if: integrationEnabled && ControllerProcess.isAvailable,
                "needs MESH_INTEGRATION=1 and MESH_CONTROLLER_BIN (deploy/local/test.sh)"))
struct OperatorCLITests {
    static let adminToken = "cli-admin-token-\(UUID().uuidString)"

    /// status and tasks work (table and --json); explain says a mesh task is registered (read from
    /// Consul: registrations deleted by hand show as missing) and names the mesh tag for a task
    /// outside the mesh; retry prints short keys; a wrong token exits 77 saying it was refused; an
    /// unreachable controller exits 69 naming the address; an unknown task exits 1.
    @Test(.timeLimit(.minutes(3)))
    func cli_whenRunAgainstController_answersOperators() async throws {
        // Given a controller with one mesh task and one task tagged out of the mesh
        let sfx = uniqueSuffix()
        let moto = try await MotoECSFixture.run(cluster: "cli-\(sfx)", services: [
            .init(family: "cliweb-\(sfx)", ports: [8080], count: 1, tags: ["consul.hashicorp.com/mesh": "true"]),
            .init(family: "clibatch-\(sfx)", ports: [7000], count: 1, tags: ["consul.hashicorp.com/mesh": "false"]),
        ])
        let meshTask = try #require(moto.tasks.first { $0.family == "cliweb-\(sfx)" })
        let outsideTask = try #require(moto.tasks.first { $0.family == "clibatch-\(sfx)" })
        let controller = try ControllerProcess(extraEnvironment: [
            "MESH_ADMIN_TOKEN": Self.adminToken, "MESH_SECRETS_PREFIX": "cli-\(sfx)", "MESH_RESYNC_ENABLED": "false",
        ])
        try await controller.start()
        defer { controller.terminate() }
        for task in [meshTask, outsideTask] {
            for event in MeshEventBuilder.lifecycle(task, clusterArn: moto.clusterArn).prefix(3) {
                #expect(try await controller.postEvent(MeshEventBuilder.body([event])).status == 202)
            }
        }
        let cli = CLI(controller: controller, token: Self.adminToken)

        // When the mesh task is registered and the other one's tags were read, as explain tells
        let settled = await eventually(timeout: .seconds(60), interval: .milliseconds(500)) {
            let inside = try await cli.json(["explain", meshTask.taskID, "--json"])
            let outside = try await cli.json(["explain", outsideTask.taskID, "--json"])
            return inside["registered"] as? Bool == true && outside["desiredState"] as? String == "not-in-mesh"
        }
        #expect(settled, "explain should show one task registered and one outside the mesh")

        // Then explain says so in sentences, by ID or ARN
        let registered = try await cli.run(["explain", meshTask.taskArn])
        #expect(registered.status == 0)
        #expect(registered.stdout.contains("is registered in the mesh as service cliweb-\(sfx)"), "\(registered.stdout)")
        let serviceID = "cliweb-\(sfx)-\(meshTask.taskID)"
        #expect(registered.stdout.contains("registration: It is registered: Consul lists service \(serviceID) and proxy \(serviceID)-sidecar-proxy"),
                "the registration is read from Consul: \(registered.stdout)")
        let outside = try await cli.run(["explain", outsideTask.taskID])
        #expect(outside.status == 0)
        #expect(outside.stdout.contains("not in the mesh") && outside.stdout.contains("consul.hashicorp.com/mesh"), "\(outside.stdout)")
        #expect(outside.stdout.contains(#"is "false""#))

        // status and tasks: tables, and JSON with --json
        let status = try await cli.run(["status"])
        #expect(status.status == 0 && status.stdout.contains("work keys:") && status.stdout.contains("consul:"), "\(status.stdout)")
        let statusJSON = try await cli.json(["status", "--json"])
        #expect((statusJSON["journal"] as? [String: Any])?["sequence"] as? Int ?? 0 >= 6)
        let tasks = try await cli.run(["tasks", "--cluster", moto.clusterArn])
        #expect(tasks.status == 0 && tasks.stdout.hasPrefix("TASK ID"))
        #expect(tasks.stdout.contains(meshTask.taskID) && tasks.stdout.contains(outsideTask.taskID))
        let tasksJSON = try await cli.json(["tasks", "--status", "RUNNING", "--json"])
        let ids = ((tasksJSON["items"] as? [[String: Any]]) ?? []).compactMap { $0["taskId"] as? String }
        #expect(Set(ids).isSuperset(of: [meshTask.taskID, outsideTask.taskID]))
        let services = try await cli.run(["services"])
        #expect(services.status == 0 && services.stdout.contains("cliweb-\(sfx)"))
        let work = try await cli.run(["work", "--state", "done"])
        #expect(work.status == 0 && work.stdout.contains("task:\(meshTask.taskID)"))
        // retry takes the short key, and prints the key it retried short, as work shows it
        let retried = try await cli.run(["retry", "task:\(meshTask.taskID)"])
        #expect(retried.status == 0 && retried.stdout.contains("\n  task:\(meshTask.taskID)") && !retried.stdout.contains("arn:"),
                "\(retried.stdout)")
        let journal = try await cli.run(["journal", "--limit", "3"])
        #expect(journal.status == 0 && journal.stdout.split(separator: "\n").count == 3)

        // A wrong token: non-zero, and it says the token was refused
        let refused = try await cli.run(["status"], token: "wrong-admin-token-0123456789")
        #expect(refused.status == 77)
        #expect(refused.stderr.contains("refused the admin token"), "\(refused.stderr)")
        // Nothing listening: it says where it looked
        let closed = "http://127.0.0.1:\(try FreePort.next())"
        let unreachable = try await cli.run(["status"], address: closed)
        #expect(unreachable.status == 69)
        #expect(unreachable.stderr.contains(closed) && unreachable.stderr.contains("MESH_ADMIN_ADDR"), "\(unreachable.stderr)")
        // An unknown task: the controller's 404, exit 1
        let unknown = try await cli.run(["explain", "no-such-task-\(sfx)"])
        #expect(unknown.status == 1 && unknown.stderr.contains("HTTP 404"), "\(unknown.stderr)")

        // journal --follow prints a row journaled after it started; explain then says the task drains
        let follower = try cli.start(["journal", "--follow", "--limit", "1", "--interval", "0.2"])
        defer { follower.stop() }
        let draining = MeshEventBuilder.lifecycle(meshTask, clusterArn: moto.clusterArn)[3]
        #expect(try await controller.postEvent(MeshEventBuilder.body([draining])).status == 202)
        let followed = await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
            follower.output.contains("RUNNING v4  \(meshTask.taskArn)")
        }
        #expect(followed, "journal --follow printed: \(follower.output)")
        let drained = try await cli.run(["explain", meshTask.taskID])
        #expect(drained.stdout.contains("is draining") && drained.stdout.contains("traffic drains"), "\(drained.stdout)")

        // When its registrations are deleted by hand once its draining work is done (no resync runs here)
        let drainDone = await eventually(timeout: .seconds(60), interval: .milliseconds(200)) {
            let page = try await cli.json(["tasks", "--cluster", moto.clusterArn, "--json"])
            let item = (page["items"] as? [[String: Any]])?.first { $0["taskId"] as? String == meshTask.taskID }
            return item?["desiredState"] as? String == "draining" && item?["workState"] as? String == "done"
        }
        #expect(drainDone, "the draining task's work should finish")
        let probe = try MeshWorldProbe()
        for id in [serviceID, serviceID + "-sidecar-proxy"] {
            try await probe.consul.deregister(.service(id, node: moto.clusterArn), logger: probe.logger)
        }
        // Then explain reads Consul, not the journal: neither is listed, though the work is done
        let missing = try await cli.json(["explain", meshTask.taskID, "--json"])
        let registration = (missing["steps"] as? [[String: Any]])?.first { $0["topic"] as? String == "registration" }?["text"] as? String
        #expect(missing["inConsul"] as? Bool == false, "\(missing)")
        #expect(registration?.contains("Consul lists neither service \(serviceID) nor proxy \(serviceID)-sidecar-proxy") == true,
                "\(registration ?? "no registration step")")
    }
}

/// The executable's operator subcommands with `MESH_ADMIN_ADDR` and `MESH_ADMIN_TOKEN` set.
private struct CLI {
    let controller: ControllerProcess
    let token: String

    func run(_ arguments: [String], token: String? = nil, address: String? = nil) async throws
        -> (status: Int32, stdout: String, stderr: String) {
        let binary = try #require(ControllerProcess.binaryPath)
        let output = try await Subprocess.run(
            ["-u", "MESH_ADMIN_TOKEN_FILE", "MESH_ADMIN_ADDR=\(address ?? controller.adminURL)",
             "MESH_ADMIN_TOKEN=\(token ?? self.token)", binary] + arguments)
        return (output.status, String(decoding: output.stdout, as: UTF8.self), output.stderrText)
    }

    /// Starts a long-running command (`journal --follow`); its output is read as it comes.
    func start(_ arguments: [String]) throws -> FollowingProcess {
        let binary = try #require(ControllerProcess.binaryPath)
        return try FollowingProcess(binary: binary, arguments: arguments, environment: [
            "MESH_ADMIN_ADDR": controller.adminURL, "MESH_ADMIN_TOKEN": token,
        ])
    }

    /// Runs a `--json` command and parses its output (which must be one JSON object).
    func json(_ arguments: [String]) async throws -> [String: Any] {
        let result = try await run(arguments)
        guard result.status == 0 else { throw ProcessFailure("\(arguments) exited \(result.status): \(result.stderr)") }
        guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw ProcessFailure("\(arguments) printed no JSON object: \(result.stdout)")
        }
        return object
    }
}

/// A child process whose stdout is collected on a thread of its own while it runs.
private final class FollowingProcess: Sendable {
    private let process: Process
    private let collected = Mutex("")

    init(binary: String, arguments: [String], environment: [String: String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["MESH_ADMIN_TOKEN_FILE"] = nil
        env.merge(environment) { _, new in new }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        self.process = process
        let handle = pipe.fileHandleForReading
        let thread = Thread { [self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                collected.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
        thread.name = "follow-reader"
        thread.start()
    }

    var output: String { collected.withLock { $0 } }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
