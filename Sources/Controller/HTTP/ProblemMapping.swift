import HTTPServer
import Journal
import MeshModel

/// The one place where errors of the inner modules become HTTP answers.
///
/// Every 4xx/5xx the controller sends is an RFC 9457 `application/problem+json` document whose
/// `detail` says what was wrong; anything unexpected is a 500 that names only the error's type.
enum ProblemMapping {
    static let problemBase = "https://ecs-mesh-controller.dev/problems/"

    static func response(for error: EventDecodingError) -> HTTPResponse {
        switch error {
        case .notTaskStateChange:
            return .problem(status: 422, title: "Not an ECS task state change", detail: error.description,
                            extra: ["type": problemBase + "not-task-state-change"])
        case .inconsistentValue(let path, _):
            return .problem(status: 422, title: "Inconsistent event", detail: error.description,
                            extra: ["type": problemBase + "inconsistent-event", "field": path])
        case .malformedJSON:
            return .problem(status: 400, title: "Malformed JSON", detail: error.description,
                            extra: ["type": problemBase + "malformed-json"])
        case .missingField(let path), .wrongType(let path, _), .invalidValue(let path, _):
            return .problem(status: 400, title: "Invalid event", detail: error.description,
                            extra: ["type": problemBase + "invalid-event", "field": path])
        case .emptyBatch:
            return .problem(status: 400, title: "Invalid event", detail: error.description,
                            extra: ["type": problemBase + "invalid-event"])
        }
    }

    static func response(for error: JournalError, retryAfterSeconds: Int) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Retry-After", value: String(retryAfterSeconds))
        if error == .overloaded {
            return .problem(status: 429, title: "Too many events queued",
                            detail: "the journal has more events queued than it may hold; retry after \(retryAfterSeconds) s",
                            extra: ["type": problemBase + "backpressure"], headers: headers)
        }
        if error.isRetryable {
            return .problem(status: 503, title: "Journal unavailable",
                            detail: "the journal cannot write right now (\(error.codeName)); nothing was stored, retry after \(retryAfterSeconds) s",
                            extra: ["type": problemBase + "journal-unavailable"], headers: headers)
        }
        return .problem(status: 500, title: "Internal error",
                        detail: "the journal failed (\(error.codeName)); nothing was acknowledged",
                        extra: ["type": problemBase + "internal"])
    }

    static func unauthorized(offersBasic: Bool) -> HTTPResponse {
        var headers = HTTPHeaders()
        if offersBasic {
            headers.add(name: "WWW-Authenticate", value: "Basic realm=\"ecs-mesh-controller\"")
        }
        return .problem(status: 401, title: "Unauthorized",
                        detail: "missing or wrong credentials: send the configured API-key header or Basic credentials",
                        extra: ["type": problemBase + "unauthorized"], headers: headers)
    }

    static func unsupportedMediaType(_ contentType: String?) -> HTTPResponse {
        .problem(status: 415, title: "Unsupported media type",
                 detail: "send Content-Type: application/json (got \(contentType.map { "\"\($0)\"" } ?? "none"))",
                 extra: ["type": problemBase + "unsupported-media-type"])
    }

    static func clusterNotAllowed(_ clusterArn: String, path: String) -> HTTPResponse {
        .problem(status: 422, title: "Cluster not allowed",
                 detail: "cluster \"\(clusterArn)\" is not in this controller's allow-list",
                 extra: ["type": problemBase + "cluster-not-allowed", "field": path])
    }
}
