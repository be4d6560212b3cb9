import AWS
import Foundation
import Logging
import MeshTestSupport
import Synchronization

/// Describes tasks from a fixed set of known ARNs; records every call; can be held and made to fail.
final class FakeTaskDescriber: ECSTaskDescribing {
    private let state = Mutex<(calls: [[String]], failNext: Bool)>(([], false))
    private let known: Set<String>
    let gate: Gate

    init(known: [String], gateOpen: Bool = true) {
        self.known = Set(known)
        self.gate = Gate(open: gateOpen)
    }

    var calls: [[String]] { state.withLock { $0.calls } }

    func failNextCall() { state.withLock { $0.failNext = true } }

    func describeTasks(
        cluster: String, tasks: [String], deadline: ContinuousClock.Instant?, logger: Logger?
    ) async throws -> ECSDescribeTasksResult {
        let shouldFail = state.withLock { state in
            state.calls.append(tasks)
            defer { state.failNext = false }
            return state.failNext
        }
        await gate.wait()
        if shouldFail { throw AWSError(code: "ServerException", statusCode: 500, operation: "DescribeTasks") }
        var result = ECSDescribeTasksResult(tasks: [], failures: [])
        for requested in tasks {
            if let arn = known.first(where: { $0 == requested || $0.hasSuffix("/" + requested) }) {
                result.tasks.append(ECSTask(taskArn: arn, clusterArn: cluster, lastStatus: "RUNNING", tags: [ECSTag(key: "id", value: arn)]))
            } else {
                result.failures.append(ECSFailure(arn: requested, reason: "MISSING"))
            }
        }
        return result
    }
}

/// Describes task definitions `family:revision` for any ARN; records calls; can be held and made to fail.
final class FakeTaskDefinitionDescriber: ECSTaskDefinitionDescribing {
    private let state = Mutex<(calls: [String], failNext: Bool)>(([], false))
    let gate: Gate

    init(gateOpen: Bool = true) {
        gate = Gate(open: gateOpen)
    }

    var calls: [String] { state.withLock { $0.calls } }

    func failNextCall() { state.withLock { $0.failNext = true } }

    func describeTaskDefinition(
        taskDefinition: String, deadline: ContinuousClock.Instant?, logger: Logger?
    ) async throws -> ECSTaskDefinition {
        let shouldFail = state.withLock { state in
            state.calls.append(taskDefinition)
            defer { state.failNext = false }
            return state.failNext
        }
        await gate.wait()
        if shouldFail { throw AWSError(code: "ServerException", statusCode: 500, operation: "DescribeTaskDefinition") }
        let family = taskDefinition.split(separator: "/").last?.split(separator: ":").first.map(String.init) ?? taskDefinition
        return ECSTaskDefinition(
            taskDefinitionArn: taskDefinition, family: family,
            containerDefinitions: [ECSContainerDefinition(name: "app", portMappings: [ECSPortMapping(containerPort: 8080)])]
        )
    }
}
