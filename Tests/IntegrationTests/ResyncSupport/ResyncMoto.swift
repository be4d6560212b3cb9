import Foundation
import MeshTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// ECS in moto for resync tests, driven with boto3: run tagged tasks, stop them, and (on a private
/// moto server) forget them entirely, which the shared server must never do to its neighbours.
struct ResyncMoto: Sendable {
    let endpoint: String

    /// The stack's moto.
    static var shared: ResyncMoto {
        ResyncMoto(endpoint: ProcessInfo.processInfo.environment["AWS_ENDPOINT_URL"] ?? "http://127.0.0.1:15000")
    }

    struct Task: Sendable, Decodable, Hashable {
        var taskArn: String
        var taskID: String { String(taskArn.split(separator: "/").last ?? "") }
    }

    struct Run: Sendable, Decodable {
        var clusterArn: String
        var tasks: [Task]
    }

    /// Creates networking and the cluster (if needed) and runs `count` tasks of `family` with mesh tags.
    func run(cluster: String, family: String, count: Int, mesh: Bool = true) async throws -> Run {
        let output = try await python(["op": "run", "cluster": cluster, "family": family, "count": count, "mesh": mesh])
        return try JSONDecoder().decode(Run.self, from: output)
    }

    /// StopTask, without telling the controller.
    func stop(cluster: String, taskArn: String) async throws {
        _ = try await python(["op": "stop", "cluster": cluster, "task": taskArn])
    }

    /// Wipes this moto (`/moto-api/reset`), pins task states again and recreates an empty `cluster`:
    /// every task is gone without a trace, as if ECS had long forgotten it. Private servers only.
    func forgetEverything(recreating cluster: String) async throws {
        _ = try await python(["op": "reset", "cluster": cluster])
    }

    private func python(_ spec: [String: Any]) async throws -> Data {
        var spec = spec
        spec["endpoint"] = endpoint
        spec["region"] = ProcessInfo.processInfo.environment["AWS_REGION"] ?? "us-east-1"
        let operation = "\(spec["op"] ?? "")"
        let argument = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
        let output = try await Subprocess.run(["python3", "-c", Self.script, argument])
        guard output.status == 0 else {
            throw ProcessFailure("moto \(operation) failed: \(output.stderrText.suffix(2000))")
        }
        return output.stdout
    }

    private static let script = #"""
    import json, sys, boto3, urllib.request
    spec = json.loads(sys.argv[1])
    kw = dict(endpoint_url=spec["endpoint"], region_name=spec["region"],
              aws_access_key_id="test", aws_secret_access_key="test")
    ec2 = boto3.client("ec2", **kw); ecs = boto3.client("ecs", **kw)
    def post(path, body):
        req = urllib.request.Request(spec["endpoint"] + path, data=json.dumps(body).encode() if body is not None else b"",
                                     method="POST", headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req).read()
    if spec["op"] == "stop":
        ecs.stop_task(cluster=spec["cluster"], task=spec["task"], reason="stopped behind the controller's back")
        print("{}"); sys.exit(0)
    if spec["op"] == "reset":
        post("/moto-api/reset", None)
        post("/moto-api/state-manager/set-transition",
             {"model_name": "ecs::task", "transition": {"progression": "manual", "times": 1000000}})
        ecs.create_cluster(clusterName=spec["cluster"])
        print("{}"); sys.exit(0)
    post("/moto-api/state-manager/set-transition",
         {"model_name": "ecs::task", "transition": {"progression": "manual", "times": 1000000}})
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/18")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="resync-" + spec["cluster"] + "-" + spec["family"], Description="mesh", VpcId=vpc)["GroupId"]
    cluster = ecs.create_cluster(clusterName=spec["cluster"])["cluster"]["clusterArn"]
    td = ecs.register_task_definition(family=spec["family"], networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512", containerDefinitions=[{"name": "app", "image": "app:1", "memory": 128, "essential": True,
        "portMappings": [{"containerPort": 8080, "protocol": "tcp"}]}])["taskDefinition"]["taskDefinitionArn"]
    tags = [{"key": "consul.hashicorp.com/mesh", "value": "true" if spec["mesh"] else "false"}]
    out = {"clusterArn": cluster, "tasks": []}
    remaining = spec["count"]
    while remaining > 0:
        n = min(10, remaining); remaining -= n
        resp = ecs.run_task(cluster=cluster, taskDefinition=td, count=n, launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [sg]}}, tags=tags)
        out["tasks"] += [{"taskArn": t["taskArn"]} for t in resp["tasks"]]
    print(json.dumps(out))
    """#
}

/// A moto server of the test's own, on a free port, stopped (by its process ID) when dropped.
final class PrivateMotoServer: @unchecked Sendable {
    // Safety: `process` is set once in init and only read afterwards.
    let endpoint: String
    private let process: Process

    /// Starts moto and waits until it accepts connections. Its Python start-up takes seconds, and
    /// far longer on a loaded machine, so the wait is long; only a failing start waits it out. A
    /// server that exits at once (its port taken by another process after we picked it) is started
    /// again on another port.
    init(timeout: Duration = .seconds(120), attempts: Int = 3) async throws {
        var attempt = 1
        while true {
            let port = try FreePort.next()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["moto_server", "-H", "127.0.0.1", "-p", String(port)]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let settled = await eventually(timeout: timeout, interval: .milliseconds(100)) {
                !process.isRunning || Self.accepts(port: port)
            }
            if settled, process.isRunning {
                self.endpoint = "http://127.0.0.1:\(port)"
                self.process = process
                return
            }
            let exited = settled
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            guard exited, attempt < attempts else {
                throw ProcessFailure("private moto did not start on port \(port) (attempt \(attempt): "
                    + (exited ? "exited with \(process.terminationStatus))" : "no answer within \(timeout))"))
            }
            attempt += 1
        }
    }

    /// Whether something accepts TCP connections on the loopback port.
    private static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    deinit {
        // SIGKILL: moto's server does not always exit on SIGTERM, and waitUntilExit would then poll forever.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
