import AsyncHTTPClient
import AWS
import Foundation
import NIOCore
import NIOHTTP1

/// Access to the real moto server the integration environment provides (MESH_INTEGRATION=1,
/// AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
enum Moto {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static var isEnabled: Bool { environment["MESH_INTEGRATION"] == "1" }

    static func endpoints() throws -> AWSEndpoints {
        try AWSEndpoints(environment: environment)
    }

    static func credentials() -> AWSCredentialChain {
        AWSCredentialChain(environment: environment, httpClient: .shared)
    }

    static func secretsManager() throws -> SecretsManagerClient {
        let endpoints = try endpoints()
        return SecretsManagerClient(
            client: .shared, endpoint: endpoints.secretsManager, region: endpoints.region, credentials: credentials()
        )
    }

    static func ecs() throws -> ECSClient {
        let endpoints = try endpoints()
        return ECSClient(client: .shared, endpoint: endpoints.ecs, region: endpoints.region, credentials: credentials())
    }

    /// A name no other test (or earlier run against the same moto) uses.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Pins ECS task state: without it every DescribeTasks advances `lastStatus` toward STOPPED.
    static func pinECSTaskState() async throws {
        var request = HTTPClientRequest(url: try endpoints().ecs.absoluteString + "/moto-api/state-manager/set-transition")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"model_name":"ecs::task","transition":{"progression":"manual","times":1000000}}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard (200..<300).contains(response.status.code) else { throw SetupError(step: "set-transition", detail: "\(response.status)") }
    }

    /// The default VPC's first subnet and its default security group, via EC2's query protocol
    /// (moto's default VPC has DNS hostnames enabled, which awsvpc RunTask needs).
    static func defaultNetwork() async throws -> (subnet: String, securityGroup: String) {
        let subnets = try await ec2Query("Action=DescribeSubnets&Version=2016-11-15&Filter.1.Name=default-for-az&Filter.1.Value.1=true")
        guard let subnet = AWSXML.first("subnetId", in: subnets), let vpc = AWSXML.first("vpcId", in: subnets) else {
            throw SetupError(step: "DescribeSubnets", detail: "no default subnet")
        }
        let groups = try await ec2Query(
            "Action=DescribeSecurityGroups&Version=2016-11-15&Filter.1.Name=group-name&Filter.1.Value.1=default"
                + "&Filter.2.Name=vpc-id&Filter.2.Value.1=\(vpc)"
        )
        guard let group = AWSXML.first("groupId", in: groups) else {
            throw SetupError(step: "DescribeSecurityGroups", detail: "no default group")
        }
        return (subnet, group)
    }

    /// A SigV4-signed EC2 query-protocol call (test setup only; the module ships no EC2 client).
    private static func ec2Query(_ form: String) async throws -> String {
        let endpoints = try endpoints()
        let url = endpoints.ecs
        let host = url.port.map { "\(url.host ?? ""):\($0)" } ?? (url.host ?? "")
        let body = Array(form.utf8)
        let headers = [SigV4Header("Host", host), SigV4Header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        let signed = SigV4Signer(credentials: try await credentials().credentials(), region: endpoints.region, service: "ec2")
            .sign(SigV4Request(method: "POST", path: "/", headers: headers, body: body), at: Date())
        var request = HTTPClientRequest(url: url.absoluteString + "/")
        request.method = .POST
        for header in headers + signed.addedHeaders { request.headers.add(name: header.name, value: header.value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status == .ok else { throw SetupError(step: "EC2 query", detail: "\(response.status) \(text.prefix(200))") }
        return text
    }

    struct SetupError: Error, CustomStringConvertible {
        var step: String
        var detail: String
        var description: String { "moto setup \(step) failed: \(detail)" }
    }
}

enum AWSXML {
    static func first(_ element: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(element)>"),
              let close = xml.range(of: "</\(element)>", range: open.upperBound..<xml.endIndex) else { return nil }
        return String(xml[open.upperBound..<close.lowerBound])
    }
}

/// ECS operations used only to set up moto (the controller never creates clusters or runs tasks).
struct ECSTestSetup {
    struct KeyValue: Encodable, Sendable { var key: String; var value: String }
    struct PortMapping: Encodable, Sendable { var containerPort: Int }
    struct ContainerDefinition: Encodable, Sendable {
        var name: String
        var image: String
        var memory: Int
        var essential: Bool
        var portMappings: [PortMapping]
    }
    struct CreateCluster: Encodable, Sendable { var clusterName: String }
    struct RegisterTaskDefinition: Encodable, Sendable {
        var family: String
        var networkMode = "awsvpc"
        var requiresCompatibilities = ["FARGATE"]
        var cpu = "256"
        var memory = "512"
        var containerDefinitions: [ContainerDefinition]
    }
    struct RunTask: Encodable, Sendable {
        struct NetworkConfiguration: Encodable, Sendable {
            struct Awsvpc: Encodable, Sendable { var subnets: [String]; var securityGroups: [String]; var assignPublicIp = "DISABLED" }
            var awsvpcConfiguration: Awsvpc
        }
        var cluster: String
        var taskDefinition: String
        var launchType = "FARGATE"
        var count = 1
        var group: String
        var startedBy = "aws-tests"
        var tags: [KeyValue]
        var networkConfiguration: NetworkConfiguration
    }
    struct RunTaskResponse: Decodable, Sendable { var tasks: [ECSTask]; var failures: [ECSFailure] }
    struct RegisterResponse: Decodable, Sendable { var taskDefinition: ECSTaskDefinition }
    struct Ignored: Decodable, Sendable {}

    let transport: AWSJSONClient

    /// Creates a cluster, registers a task definition and runs one tagged awsvpc task.
    /// - Returns: The cluster name, the task definition and the running task.
    func runTaggedTask(tags: [String: String]) async throws -> (cluster: String, definition: ECSTaskDefinition, task: ECSTask) {
        let cluster = Moto.uniqueName("aws-tests")
        let family = Moto.uniqueName("web")
        let _: Ignored = try await transport.send("CreateCluster", input: CreateCluster(clusterName: cluster))
        let registered: RegisterResponse = try await transport.send("RegisterTaskDefinition", input: RegisterTaskDefinition(
            family: family,
            containerDefinitions: [ContainerDefinition(name: "app", image: "nginx:latest", memory: 512, essential: true,
                                                       portMappings: [PortMapping(containerPort: 8080)])]
        ))
        let network = try await Moto.defaultNetwork()
        let run: RunTaskResponse = try await transport.send("RunTask", input: RunTask(
            cluster: cluster, taskDefinition: registered.taskDefinition.taskDefinitionArn, group: "service:\(family)",
            tags: tags.sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: $0.value) },
            networkConfiguration: .init(awsvpcConfiguration: .init(subnets: [network.subnet], securityGroups: [network.securityGroup]))
        ))
        guard let task = run.tasks.first else {
            throw Moto.SetupError(step: "RunTask", detail: "failures: \(run.failures)")
        }
        return (cluster, registered.taskDefinition, task)
    }
}
