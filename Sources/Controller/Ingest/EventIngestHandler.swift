import ByteCoding
public import Foundation
public import HTTPServer
public import Journal
public import Logging
public import MeshModel

/// Where acknowledged events go; the journal in production, so the handler can be tested alone.
public protocol EventSink: Sendable {
    /// Stores the events durably and calls `completion` only after the commit reached the disk (or
    /// at once when it refuses them). `completion` must be quick: it may run on the journal's writer.
    func append(_ events: [DecodedEvent], receivedAt: Date, completion: @escaping AppendCompletion)
}

extension EventJournal: EventSink {}

/// Any journal as the sink of ingest (an `any JournalStore` cannot conform itself).
public struct JournalEventSink: EventSink {
    private let journal: any JournalStore

    public init(_ journal: any JournalStore) {
        self.journal = journal
    }

    public func append(_ events: [DecodedEvent], receivedAt: Date, completion: @escaping AppendCompletion) {
        journal.append(events, receivedAt: receivedAt, completion: completion)
    }
}

/// `POST /v1/events`: the EventBridge API-destination webhook.
///
/// Starts on the libevent loop (an ``HTTPLoopHandler``; a large body runs it on a task instead): it
/// checks and decodes the request, queues the events for the journal's writer and returns; the
/// writer answers once the commit is durable. So an event's 202 takes two thread hand-offs (loop to
/// writer, writer to loop) and never waits for a free thread of the cooperative pool. The order of
/// checks is the order a client can fix things in: credentials, media type, syntax and fields,
/// cluster, then storage. Only a durable journal commit earns a 2xx: 202 when at least one event
/// changed state, 200 when all were duplicates or stale.
public struct EventIngestHandler: Sendable {
    private let authenticator: WebhookAuthenticator
    private let allowList: ClusterAllowList
    private let sink: any EventSink
    private let decoder: EventDecoder
    private let retryAfterSeconds: Int
    private let scheduler: (any WorkScheduler)?
    private let logger: Logger
    private let now: @Sendable () -> Date

    public init(
        authenticator: WebhookAuthenticator,
        allowList: ClusterAllowList,
        sink: any EventSink,
        retryAfterSeconds: Int,
        scheduler: (any WorkScheduler)? = nil,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.authenticator = authenticator
        self.allowList = allowList
        self.sink = sink
        self.decoder = EventDecoder()
        self.retryAfterSeconds = retryAfterSeconds
        self.scheduler = scheduler
        self.logger = logger
        self.now = now
    }

    /// Handles one request and answers through `responder`, exactly once: at once for a refusal,
    /// from the journal's writer after the commit otherwise. Never blocks or suspends.
    public func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        // The request ID goes into each log call's metadata rather than into a copy of the logger:
        // setting logger metadata re-renders the handler's metadata on every request, logged or not.
        let requestID = Logger.MetadataValue.string(request.requestID)
        // 1. Credentials and media type.
        if let refusal = refusal(of: request, requestID: requestID) { return responder.reply(refusal) }
        // 2. Syntax, fields and consistency, then the cluster allow-list.
        let events: [DecodedEvent]
        switch decodeAllowed(request.body, requestID: requestID) {
        case .success(let decoded): events = decoded
        case .failure(let refusal): return responder.reply(refusal.response)
        }
        // 3. Storage: a 2xx only after the commit is durable.
        sink.append(events, receivedAt: now()) { [self] result in
            responder.reply(answer(result, events: events, requestID: requestID))
        }
    }

    /// ``handle(_:responder:)`` as an ``HTTPHandler``, for callers that await the response.
    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        await withCheckedContinuation { continuation in
            handle(request, responder: HTTPResponder { continuation.resume(returning: $0) })
        }
    }

    /// The answer to a journal write: the results (202 or 200) after waking the workers, or the
    /// journal's problem.
    private func answer(_ result: Result<[AppendResult], JournalError>, events: [DecodedEvent],
                        requestID: Logger.MetadataValue) -> HTTPResponse {
        let results: [AppendResult]
        switch result {
        case .success(let appended): results = appended
        case .failure(let error):
            logger.warning("Could not journal events", metadata: [
                "mesh.request.id": requestID, "mesh.error": .string(error.description),
                "mesh.events": .stringConvertible(events.count),
            ])
            return ProblemMapping.response(for: error, retryAfterSeconds: retryAfterSeconds)
        }
        // 4. Wake the workers, and answer.
        let applied = results.contains { $0.outcome == .applied }
        if applied { wakeWorkers(for: results) }
        logger.debug("Journaled events", metadata: [
            "mesh.request.id": requestID, "mesh.events": .stringConvertible(results.count),
            "mesh.journal.sequence": .stringConvertible(results.last?.sequence ?? 0),
        ])
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        return HTTPResponse(status: applied ? 202 : 200, headers: headers, body: Self.encode(results, events: events))
    }

    /// A problem answer when the credentials are missing or wrong, or the body is not JSON.
    private func refusal(of request: HTTPRequest, requestID: Logger.MetadataValue) -> HTTPResponse? {
        guard authenticator.isAuthorized(request.headers) else {
            logger.info("Rejected event delivery with missing or wrong credentials", metadata: [
                "mesh.request.id": requestID, "http.remote": .string(request.remoteAddress),
            ])
            return ProblemMapping.unauthorized(offersBasic: authenticator.offersBasic)
        }
        guard Self.isJSON(request.headers["content-type"]) else {
            return ProblemMapping.unsupportedMediaType(request.headers["content-type"])
        }
        return nil
    }

    /// A refused body, as the problem answer to send.
    private struct Refusal: Error {
        var response: HTTPResponse
    }

    /// The body's events if every one is valid and of an allowed cluster; otherwise the problem
    /// answer for the first that is not.
    private func decodeAllowed(_ body: [UInt8], requestID: Logger.MetadataValue) -> Result<[DecodedEvent], Refusal> {
        let events: [DecodedEvent]
        do {
            events = try decoder.decode(body)
        } catch {
            logger.info("Rejected event delivery", metadata: [
                "mesh.request.id": requestID, "mesh.error": .string(error.description),
            ])
            return .failure(Refusal(response: ProblemMapping.response(for: error)))
        }
        for (index, event) in events.enumerated() where !allowList.allows(clusterArn: event.change.clusterArn) {
            let path = events.count == 1 ? "detail.clusterArn" : "[\(index)].detail.clusterArn"
            logger.info("Rejected event of a cluster outside the allow-list", metadata: [
                "mesh.request.id": requestID, "mesh.cluster.arn": .string(event.change.clusterArn),
            ])
            return .failure(Refusal(response: ProblemMapping.clusterNotAllowed(event.change.clusterArn, path: path)))
        }
        return .success(events)
    }

    /// Schedules the task keys of the applied events, on a task of their own: the journal marked
    /// them pending in the commit that earned the 202, so the answer need not wait for the queue
    /// (and a process that dies first finds them pending when it starts again).
    private func wakeWorkers(for results: [AppendResult]) {
        guard let scheduler else { return }
        var seen = Set<String>()
        let keys = results.compactMap { result in
            result.outcome == .applied && seen.insert(result.taskArn).inserted
                ? WorkKey.task(arn: result.taskArn).rawValue : nil
        }
        Task { await scheduler.scheduleMarked(keys) }
    }

    /// EventBridge sends `application/json; charset=utf-8`; parameters are ignored, and so are spaces
    /// and tabs around the media type and its ASCII case. Byte-level, because Foundation's trimming
    /// and lowercasing showed up in CPU profiles under ingest load (docs/benchmarks-history.md).
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let bytes = contentType.utf8
        var start = bytes.startIndex
        var end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
        while start < end, isBlank(bytes[start]) { start = bytes.index(after: start) }
        while start < end, isBlank(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        let expected = "application/json".utf8
        guard bytes.distance(from: start, to: end) == expected.count else { return false }
        return zip(bytes[start..<end], expected).allSatisfy { byte, wanted in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 0x20 : byte) == wanted
        }
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// Writes `{"results":[{"sequence":…,"taskArn":…,"version":…,"outcome":…}]}` by hand: it is on
    /// every request's path and its strings are validated ARNs, escaped anyway for safety.
    static func encode(_ results: [AppendResult], events: [DecodedEvent]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(64 + results.count * 160)
        out.append(contentsOf: #"{"results":["#.utf8)
        for (index, result) in results.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"sequence":"#.utf8)
            out.append(contentsOf: String(result.sequence).utf8)
            out.append(contentsOf: #","taskArn":"#.utf8)
            JSONString.appendQuoted(result.taskArn, to: &out)
            if index < events.count {
                out.append(contentsOf: #","version":"#.utf8)
                out.append(contentsOf: String(events[index].change.version).utf8)
            }
            out.append(contentsOf: #","outcome":""#.utf8)
            out.append(contentsOf: result.outcome.rawValue.utf8)
            out.append(contentsOf: #""}"#.utf8)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }
}
