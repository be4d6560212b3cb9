public import Foundation
public import HTTPServer
public import Journal
public import Logging
public import MeshModel

/// Where acknowledged events go; the journal in production, so the handler can be tested alone.
public protocol EventSink: Sendable {
    /// Stores the events durably and returns only after the commit reached the disk.
    func append(_ events: [DecodedEvent], receivedAt: Date) async throws(JournalError) -> [AppendResult]
}

extension EventJournal: EventSink {}

/// `POST /v1/events`: the EventBridge API-destination webhook.
///
/// Runs off the libevent loop (the server hands requests to handler tasks), so decoding here does
/// not stall accepting and parsing. The order of checks is the order a client can fix things in:
/// credentials, media type, syntax and fields, cluster, then storage. Only a durable journal commit
/// earns a 2xx: 202 when at least one event changed state, 200 when all were duplicates or stale.
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

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        // The request ID goes into each log call's metadata rather than into a copy of the logger:
        // setting logger metadata re-renders the handler's metadata on every request, logged or not.
        let requestID = Logger.MetadataValue.string(request.requestID)

        guard authenticator.isAuthorized(request.headers) else {
            logger.info("Rejected event delivery with missing or wrong credentials", metadata: [
                "mesh.request.id": requestID, "http.remote": .string(request.remoteAddress),
            ])
            return ProblemMapping.unauthorized(offersBasic: authenticator.offersBasic)
        }
        guard Self.isJSON(request.headers["content-type"]) else {
            return ProblemMapping.unsupportedMediaType(request.headers["content-type"])
        }

        let events: [DecodedEvent]
        do {
            events = try decoder.decode(request.body)
        } catch {
            logger.info("Rejected event delivery", metadata: [
                "mesh.request.id": requestID, "mesh.error": .string(error.description),
            ])
            return ProblemMapping.response(for: error)
        }
        for (index, event) in events.enumerated() where !allowList.allows(clusterArn: event.change.clusterArn) {
            let path = events.count == 1 ? "detail.clusterArn" : "[\(index)].detail.clusterArn"
            logger.info("Rejected event of a cluster outside the allow-list", metadata: [
                "mesh.request.id": requestID, "mesh.cluster.arn": .string(event.change.clusterArn),
            ])
            return ProblemMapping.clusterNotAllowed(event.change.clusterArn, path: path)
        }

        let results: [AppendResult]
        do {
            results = try await sink.append(events, receivedAt: now())
        } catch {
            logger.warning("Could not journal events", metadata: [
                "mesh.request.id": requestID, "mesh.error": .string(error.description),
                "mesh.events": .stringConvertible(events.count),
            ])
            return ProblemMapping.response(for: error, retryAfterSeconds: retryAfterSeconds)
        }

        let applied = results.contains { $0.outcome == .applied }
        if applied, let scheduler {
            // The journal marked these keys in the same transaction; only wake the queue.
            var seen = Set<String>()
            let keys = results.compactMap { result in
                result.outcome == .applied && seen.insert(result.taskArn).inserted
                    ? WorkKey.task(arn: result.taskArn).rawValue : nil
            }
            await scheduler.scheduleMarked(keys)
        }
        logger.debug("Journaled events", metadata: [
            "mesh.request.id": requestID, "mesh.events": .stringConvertible(results.count),
            "mesh.journal.sequence": .stringConvertible(results.last?.sequence ?? 0),
        ])
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        return HTTPResponse(status: applied ? 202 : 200, headers: headers, body: Self.encode(results, events: events))
    }

    /// EventBridge sends `application/json; charset=utf-8`; parameters are ignored, and so are spaces
    /// and tabs around the media type and its ASCII case. Byte-level: Foundation's trimming and
    /// lowercasing were about 6 % of the process's CPU samples under ingest load (perf, 128 connections).
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
            JSONText.appendString(result.taskArn, to: &out)
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

/// Minimal JSON string escaping for hand-written hot-path replies.
enum JSONText {
    static func appendString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
