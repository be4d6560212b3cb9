import HTTPServer
import Journal
import MeshModel

/// The heartbeat endpoint's `application/problem+json` answers.
enum HeartbeatProblems {
    static func response(for error: HeartbeatDecodingError) -> HTTPResponse {
        let base = ProblemMapping.problemBase
        switch error {
        case .malformedJSON:
            return .problem(status: 400, title: "Malformed JSON", detail: error.description,
                            extra: ["type": base + "malformed-json"])
        case .missingField(let path), .wrongType(let path, _):
            return .problem(status: 400, title: "Invalid heartbeat", detail: error.description,
                            extra: ["type": base + "invalid-heartbeat", "field": path])
        case .emptyBatch:
            return .problem(status: 400, title: "Invalid heartbeat", detail: error.description,
                            extra: ["type": base + "invalid-heartbeat"])
        case .invalidValue(let path, _):
            return .problem(status: 422, title: "Unacceptable heartbeat", detail: error.description,
                            extra: ["type": base + "unacceptable-heartbeat", "field": path])
        }
    }

    static func unauthorized() -> HTTPResponse {
        .problem(status: 401, title: "Unauthorized",
                 detail: "missing or unknown token: send the task's service token in X-Consul-Token",
                 extra: ["type": ProblemMapping.problemBase + "unauthorized"])
    }

    static func forbidden(_ taskArn: String, path: String) -> HTTPResponse {
        .problem(status: 403, title: "Forbidden",
                 detail: "the token belongs to another service than task \(taskArn)",
                 extra: ["type": ProblemMapping.problemBase + "wrong-service-token", "field": path])
    }

    static func unknownTask(_ taskArn: String, path: String) -> HTTPResponse {
        .problem(status: 404, title: "Unknown task",
                 detail: "task \(taskArn) is not a mesh task this controller knows (yet); retry later",
                 extra: ["type": ProblemMapping.problemBase + "unknown-task", "field": path])
    }

    static func journalUnavailable(_ error: JournalError) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Retry-After", value: "1")
        return .problem(status: 503, title: "Journal unavailable",
                        detail: "the journal cannot be used right now (\(error.codeName)); retry",
                        extra: ["type": ProblemMapping.problemBase + "journal-unavailable"], headers: headers)
    }
}
