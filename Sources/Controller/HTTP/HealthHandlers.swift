public import HTTPServer
public import Journal

/// `GET /healthz` and `GET /readyz`.
///
/// Liveness answers as long as the loop and a handler task run at all; readiness also proves the
/// journal can be read and the server is still accepting, so a load balancer stops sending while
/// the controller drains.
public struct HealthHandlers: Sendable {
    private let journal: EventJournal
    private let server: @Sendable () -> Bool

    public init(journal: EventJournal, isAccepting: @escaping @Sendable () -> Bool) {
        self.journal = journal
        self.server = isAccepting
    }

    public func healthz(_ request: HTTPRequest) async -> HTTPResponse {
        Self.json(200, #"{"status":"ok"}"#)
    }

    public func readyz(_ request: HTTPRequest) async -> HTTPResponse {
        guard server() else {
            return .problem(status: 503, title: "Not ready", detail: "the controller is shutting down")
        }
        do {
            let sequence = try journal.lastSequence()
            return Self.json(200, #"{"status":"ready","journalSequence":\#(sequence)}"#)
        } catch {
            return .problem(status: 503, title: "Not ready", detail: "the journal cannot be read (\(error.codeName))")
        }
    }

    static func json(_ status: Int, _ body: String) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        return HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
    }
}
