import Foundation
public import HTTPServer
import Journal
public import Logging
import MeshModel

/// `POST /v1/heartbeats`: health reports from the tasks' heartbeat sidecars.
///
/// Order of checks: token present (401), media type (415), body (400/422), then per heartbeat the
/// token's service (401), the task (404) and whether the token belongs to the task's service (403);
/// a batch is all or nothing. Accepted heartbeats refresh liveness in memory; only a change of
/// health is journaled (with the task's registration key, in one transaction) and wakes the
/// registration worker. So the steady state costs one decode, one SHA-256 and two dictionary
/// lookups, and writes nothing to disk or Consul.
///
/// Runs off the libevent loop, in the server's handler tasks.
public struct HeartbeatHandler: Sendable {
    /// The header the sidecar sends its service's token in (Consul's own header).
    public static let tokenHeader = "x-consul-token"

    private let authority: HeartbeatAuthority
    private let recorder: HeartbeatRecorder
    private let decoder: HeartbeatDecoder
    private let metrics: ControllerMetrics?
    private let logger: Logger

    public init(authority: HeartbeatAuthority, recorder: HeartbeatRecorder,
                metrics: ControllerMetrics? = nil, maxBatch: Int = 100, logger: Logger) {
        self.authority = authority
        self.recorder = recorder
        self.decoder = HeartbeatDecoder(maxBatch: maxBatch)
        self.metrics = metrics
        self.logger = logger
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        guard let token = request.headers[Self.tokenHeader], !token.isEmpty else {
            return reject(HeartbeatProblems.unauthorized(), result: "unauthorized", request)
        }
        guard EventIngestHandler.isJSON(request.headers["content-type"]) else {
            return reject(ProblemMapping.unsupportedMediaType(request.headers["content-type"]), result: "invalid", request)
        }
        let heartbeats: [Heartbeat]
        do {
            heartbeats = try decoder.decode(request.body)
        } catch {
            return reject(HeartbeatProblems.response(for: error), result: "invalid", request)
        }

        let digest = TokenDigest(token: token)
        var accepted: [Heartbeat] = []
        accepted.reserveCapacity(heartbeats.count)
        for (index, heartbeat) in heartbeats.enumerated() {
            let path = heartbeats.count == 1 ? "taskArn" : "[\(index)].taskArn"
            let verdict: HeartbeatAuthority.Verdict
            do {
                verdict = try await authority.verdict(taskArn: heartbeat.taskArn, tokenDigest: digest)
            } catch {
                return reject(HeartbeatProblems.journalUnavailable(error), result: "error", request)
            }
            switch verdict {
            case .allowed(_, let stopped):
                if !stopped { accepted.append(heartbeat) }
            case .unauthenticated:
                return reject(HeartbeatProblems.unauthorized(), result: "unauthorized", request)
            case .unknownTask:
                return reject(HeartbeatProblems.unknownTask(heartbeat.taskArn, path: path), result: "unknown_task", request)
            case .forbidden(let tokenService, let taskService):
                logger.notice("Refused a heartbeat sent with another service's token", metadata: [
                    "mesh.task.arn": .string(heartbeat.taskArn), "mesh.service.name": .string(taskService),
                    "mesh.token.service": .string(tokenService), "mesh.request.id": .string(request.requestID),
                ])
                return reject(HeartbeatProblems.forbidden(heartbeat.taskArn, path: path), result: "forbidden", request)
            }
        }

        var transitions = 0
        for heartbeat in accepted {
            do {
                if try await recorder.observe(heartbeat) { transitions += 1 }
            } catch {
                return reject(HeartbeatProblems.journalUnavailable(error), result: "error", request)
            }
        }
        metrics?.heartbeatReceived(result: "accepted")
        return Self.accepted(count: heartbeats.count, transitions: transitions)
    }

    private func reject(_ response: HTTPResponse, result: String, _ request: HTTPRequest) -> HTTPResponse {
        metrics?.heartbeatReceived(result: result)
        logger.debug("Rejected heartbeat", metadata: [
            "http.status": .stringConvertible(response.status), "mesh.request.id": .string(request.requestID),
        ])
        return response
    }

    /// `{"heartbeats":N,"transitions":M}`, written by hand (every heartbeat's reply).
    static func accepted(count: Int, transitions: Int) -> HTTPResponse {
        var body = [UInt8]()
        body.reserveCapacity(40)
        body.append(contentsOf: #"{"heartbeats":"#.utf8)
        body.append(contentsOf: String(count).utf8)
        body.append(contentsOf: #","transitions":"#.utf8)
        body.append(contentsOf: String(transitions).utf8)
        body.append(UInt8(ascii: "}"))
        return HTTPResponse(status: 200, headers: jsonHeaders, body: body)
    }

    private static let jsonHeaders: HTTPHeaders = ["Content-Type": "application/json"]
}
