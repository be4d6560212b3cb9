/// Why a request body is not an acceptable ECS task state change.
///
/// Every case except ``notTaskStateChange(path:found:)`` and ``inconsistentValue(path:reason:)``
/// maps to HTTP 400; those two map to 422.
/// Paths are dotted from the event root (`detail.taskArn`); in a batch they start with the element
/// index (`[2].detail.version`). An empty path means the body itself.
public enum EventDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The body is not valid JSON (syntax, encoding, nesting depth).
    case malformedJSON(detail: String)
    /// A required field is absent or JSON `null`.
    case missingField(path: String)
    /// A field has the wrong JSON type, e.g. `detail.version` given as a string.
    case wrongType(path: String, expected: String)
    /// A field has the right type but an unacceptable value (timestamp, negative version, not an ECS ARN,
    /// batch too large).
    case invalidValue(path: String, reason: String)
    /// The body is an empty JSON array.
    case emptyBatch
    /// The event is valid but is not an "ECS Task State Change" from `aws.ecs`.
    case notTaskStateChange(path: String, found: String)
    /// Each field is well formed, but they contradict each other: a `detail.taskArn` of another
    /// account, region or cluster than `detail.clusterArn`.
    case inconsistentValue(path: String, reason: String)

    /// A sentence for the `detail` of an `application/problem+json` reply.
    public var description: String {
        switch self {
        case .malformedJSON(let detail):
            "malformed JSON: \(detail)"
        case .missingField(let path):
            "missing required field \"\(path)\""
        case .wrongType(let path, let expected):
            path.isEmpty ? "the body must be \(expected)" : "field \"\(path)\" must be \(expected)"
        case .invalidValue(let path, let reason):
            path.isEmpty ? "invalid body: \(reason)" : "invalid value for field \"\(path)\": \(reason)"
        case .emptyBatch:
            "the batch is an empty array; send at least one event"
        case .notTaskStateChange(let path, let found):
            "not an ECS task state change: \"\(path)\" is \"\(found)\""
        case .inconsistentValue(let path, let reason):
            "field \"\(path)\" \(reason)"
        }
    }
}
