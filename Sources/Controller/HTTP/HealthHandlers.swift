public import HTTPServer
public import Journal

/// `GET /healthz` and `GET /readyz`.
///
/// Liveness answers as long as the loop and a handler task run at all; readiness also proves the
/// journal can be read and written and the server is still accepting, so a load balancer stops
/// sending while the controller drains or while the journal cannot acknowledge: 503 once a fatal
/// write failure stopped the journal (the process is exiting), and while the last write failed for
/// a reason that may pass (then a probe write, which takes the write lock, says whether it has).
public struct HealthHandlers: Sendable {
    private let journal: any JournalStore
    private let server: @Sendable () -> Bool

    public init(journal: any JournalStore, isAccepting: @escaping @Sendable () -> Bool) {
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
        var writes = journal.writeStatus
        if case .failing = writes { writes = await journal.probeWrites() }
        switch writes {
        case .healthy:
            break
        case .failing(let error):
            return .problem(status: 503, title: "Not ready", detail: "journal writes are failing (\(error.codeName))")
        case .stopped(let error):
            return .problem(status: 503, title: "Not ready",
                            detail: "journal writes stopped after a fatal failure; the process is exiting (\(error.message ?? error.codeName))")
        }
        do {
            let sequence = try await journal.lastSequence()
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
