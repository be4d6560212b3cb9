import Foundation
import MeshTestSupport

/// ECS tasks in the moto server, made with boto3 (moto needs EC2 networking for RunTask, which our
/// AWS client does not speak): a VPC with DNS host names, a subnet and a security group, a cluster,
/// one task definition per service (with port mappings) and RUNNING tasks carrying the given tags.
///
/// stack.sh pins moto's `ecs::task` transition to manual, so DescribeTasks does not advance them.
struct MotoECSFixture: Sendable {
    /// One service to run.
    struct ServiceSpec: Sendable, Encodable {
        /// Task-definition family (also the default service name, lower-cased).
        var family: String
        /// Container port mappings; the first is the service port unless a tag says otherwise.
        var ports: [Int]
        var count: Int
        var tags: [String: String]
        /// When set, a `consul-ecs-mesh-init` container carries it as `CONSUL_ECS_CONFIG_JSON`, as
        /// terraform-aws-consul-ecs's `mesh-task` and `gateway-task` modules write it.
        var consulECSConfig: String? = nil
    }

    /// A task moto runs.
    struct MotoTask: Sendable, Decodable, Hashable {
        var family: String
        var taskArn: String
        var taskDefinitionArn: String
        var ip: String
        var taskID: String { String(taskArn.split(separator: "/").last ?? "") }
    }

    struct Result: Sendable, Decodable {
        var clusterArn: String
        var tasks: [MotoTask]

        func tasks(of family: String) -> [MotoTask] { tasks.filter { $0.family == family } }
    }

    /// Runs the tasks in a new cluster `cluster`.
    static func run(cluster: String, services: [ServiceSpec]) async throws -> Result {
        struct Spec: Encodable {
            var endpoint: String
            var region: String
            var cluster: String
            var services: [ServiceSpec]
        }
        let environment = ProcessInfo.processInfo.environment
        let spec = Spec(endpoint: environment["AWS_ENDPOINT_URL"] ?? "http://127.0.0.1:15000",
                        region: environment["AWS_REGION"] ?? "us-east-1", cluster: cluster, services: services)
        let output = try await Subprocess.run(
            ["python3", "-c", script, String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)])
        guard output.status == 0 else {
            throw FixtureFailure("moto setup failed: \(output.stderrText.suffix(2000))")
        }
        return try JSONDecoder().decode(Result.self, from: output.stdout)
    }

    private static let script = #"""
    import json, sys, boto3
    spec = json.loads(sys.argv[1])
    kw = dict(endpoint_url=spec["endpoint"], region_name=spec["region"],
              aws_access_key_id="test", aws_secret_access_key="test")
    ec2 = boto3.client("ec2", **kw); ecs = boto3.client("ecs", **kw)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/18")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="mesh-" + spec["cluster"], Description="mesh", VpcId=vpc)["GroupId"]
    cluster = ecs.create_cluster(clusterName=spec["cluster"])["cluster"]["clusterArn"]
    out = {"clusterArn": cluster, "tasks": []}
    for svc in spec["services"]:
        containers = [{"name": "app", "image": "app:1", "memory": 128, "essential": True,
                       "portMappings": [{"containerPort": p, "protocol": "tcp"} for p in svc["ports"]]}]
        if svc.get("consulECSConfig") is not None:
            containers.append({"name": "consul-ecs-mesh-init", "image": "consul-ecs:0.10.0", "memory": 64,
                               "essential": False, "command": ["mesh-init"],
                               "environment": [{"name": "CONSUL_ECS_CONFIG_JSON", "value": svc["consulECSConfig"]}]})
        td = ecs.register_task_definition(family=svc["family"], networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
            containerDefinitions=containers)["taskDefinition"]["taskDefinitionArn"]
        remaining = svc["count"]
        while remaining > 0:
            n = min(10, remaining); remaining -= n
            resp = ecs.run_task(cluster=cluster, taskDefinition=td, count=n, launchType="FARGATE",
                networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [sg]}},
                tags=[{"key": k, "value": v} for k, v in svc["tags"].items()])
            for t in resp["tasks"]:
                ip = next(d["value"] for a in t.get("attachments", []) for d in a.get("details", [])
                          if d["name"] == "privateIPv4Address")
                out["tasks"].append({"family": svc["family"], "taskArn": t["taskArn"],
                                     "taskDefinitionArn": td, "ip": ip})
    print(json.dumps(out))
    """#
}

struct FixtureFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
