import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// One raw answer of Consul with a 2xx status.
struct ConsulResponse: Sendable {
    var status: Int
    var body: ByteBuffer
    /// `X-Consul-Index`, when present.
    var index: UInt64?
}

extension ConsulClient {
    /// Sends one request and returns a 2xx answer, or throws the mapped ``ConsulError``.
    ///
    /// The token goes only into the `X-Consul-Token` header; it never reaches logs or errors.
    /// - Parameters:
    ///   - path: request path, already percent-encoded (see ``ConsulPath``).
    ///   - query: query items, encoded here.
    ///   - deadline: absolute bound; `nil` means now + ``ConsulConfiguration/requestTimeout``.
    ///   - answering: non-2xx statuses returned as answers instead of thrown (a transaction's 409).
    func send(
        _ method: HTTPMethod, path: String, query: [(String, String)] = [], body: ByteBuffer? = nil,
        deadline: NIODeadline?, answering: Set<Int> = [], logger: Logger
    ) async throws(ConsulError) -> ConsulResponse {
        var request = HTTPClientRequest(url: "\(configuration.endpoint)\(path)\(ConsulPath.queryString(query))")
        request.method = method
        request.tlsConfiguration = tlsConfiguration
        request.headers.add(name: "Accept", value: "application/json")
        if let token = configuration.token {
            request.headers.add(name: "X-Consul-Token", value: token.secret)
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        let deadline = deadline ?? .now() + TimeAmount(configuration.requestTimeout)
        let started = ContinuousClock.now
        var metadata: Logger.Metadata = ["consul.method": "\(method.rawValue)", "consul.path": "\(path)"]

        if method != .GET { try passWriteGate(method, path: path, logger: logger) }

        let status: Int
        let headers: HTTPHeaders
        let bytes: ByteBuffer
        do {
            let response = try await httpClient.execute(request, deadline: deadline, logger: logger)
            status = Int(response.status.code)
            headers = response.headers
            bytes = try await response.body.collect(upTo: configuration.maxResponseBytes)
        } catch {
            let mapped = ConsulError(transport: error, method: method.rawValue, path: path)
            metadata["consul.error.code"] = "\(mapped.code)"
            metadata["consul.duration_ms"] = "\(Self.milliseconds(since: started))"
            logger.debug("Consul call got no answer", metadata: metadata)
            callObserver?.consulCallFinished(method: method.rawValue, path: path, duration: ContinuousClock.now - started,
                                             status: nil, errorCode: "\(mapped.code)")
            throw mapped
        }
        let index = headers.first(name: "X-Consul-Index").flatMap { UInt64($0) }
        metadata["consul.status"] = "\(status)"
        metadata["consul.duration_ms"] = "\(Self.milliseconds(since: started))"
        if let index { metadata["consul.index"] = "\(index)" }
        guard (200...299).contains(status) || answering.contains(status) else {
            let error = ConsulError(status: status, body: String(buffer: bytes), method: method.rawValue, path: path)
            metadata["consul.error.code"] = "\(error.code)"
            logger.debug("Consul call failed", metadata: metadata)
            callObserver?.consulCallFinished(method: method.rawValue, path: path, duration: ContinuousClock.now - started,
                                             status: status, errorCode: "\(error.code)")
            throw error
        }
        logger.debug("Consul call succeeded", metadata: metadata)
        callObserver?.consulCallFinished(method: method.rawValue, path: path, duration: ContinuousClock.now - started,
                                         status: status, errorCode: (200...299).contains(status) ? nil : "answered")
        return ConsulResponse(status: status, body: bytes, index: index)
    }

    /// Asks ``writeGate`` about a write that is about to go on the wire.
    /// - Throws: ``ConsulError/Code/fenced`` when the gate refuses; nothing was sent.
    private func passWriteGate(_ method: HTTPMethod, path: String, logger: Logger) throws(ConsulError) {
        guard let writeGate else { return }
        do {
            try writeGate()
        } catch {
            let refused = ConsulError(code: .fenced, status: nil, method: method.rawValue, path: path,
                                      message: "not sent: \(error)", underlying: error)
            logger.debug("Consul write not sent: its gate refused it", metadata: [
                "consul.method": "\(method.rawValue)", "consul.path": "\(path)", "consul.error.code": "\(refused.code)",
            ])
            throw refused
        }
    }

    /// GET that decodes a JSON answer and keeps its index.
    func read<Value: Decodable & Sendable>(
        _ type: Value.Type, path: String, query: [(String, String)] = [], deadline: NIODeadline?, logger: Logger
    ) async throws(ConsulError) -> ConsulRead<Value> {
        let response = try await send(.GET, path: path, query: query, deadline: deadline, logger: logger)
        return ConsulRead(value: try decode(type, response, method: "GET", path: path), index: response.index)
    }

    /// Sends a JSON body and decodes the JSON answer.
    func write<Body: Encodable, Value: Decodable>(
        _ method: HTTPMethod, path: String, body: Body, returning type: Value.Type,
        deadline: NIODeadline?, logger: Logger
    ) async throws(ConsulError) -> Value {
        let response = try await send(
            method, path: path, body: try encode(body, method: method.rawValue, path: path),
            deadline: deadline, logger: logger)
        return try decode(type, response, method: method.rawValue, path: path)
    }

    /// Sends a JSON body whose answer (`true`) carries nothing more than its 2xx status.
    func write<Body: Encodable>(
        _ method: HTTPMethod, path: String, body: Body, deadline: NIODeadline?, logger: Logger
    ) async throws(ConsulError) {
        _ = try await send(
            method, path: path, body: try encode(body, method: method.rawValue, path: path),
            deadline: deadline, logger: logger)
    }

    /// Sends a JSON body and returns the raw answer, a 2xx or one of `answering`.
    func writeAnswer<Body: Encodable>(
        _ method: HTTPMethod, path: String, body: Body, answering: Set<Int>, deadline: NIODeadline?, logger: Logger
    ) async throws(ConsulError) -> ConsulResponse {
        try await send(
            method, path: path, body: try encode(body, method: method.rawValue, path: path),
            deadline: deadline, answering: answering, logger: logger)
    }

    /// Decodes a JSON answer (2xx or not).
    func decodeAnswer<Value: Decodable>(
        _ type: Value.Type, _ response: ConsulResponse, method: String, path: String
    ) throws(ConsulError) -> Value {
        try decode(type, response, method: method, path: path)
    }

    private func encode<Body: Encodable>(
        _ body: Body, method: String, path: String
    ) throws(ConsulError) -> ByteBuffer {
        do {
            return ByteBuffer(data: try ConsulJSON.encoder().encode(body))
        } catch {
            throw ConsulError(
                code: .badRequest, status: nil, method: method, path: path,
                message: "cannot encode request body: \(error)", underlying: error)
        }
    }

    private func decode<Value: Decodable>(
        _ type: Value.Type, _ response: ConsulResponse, method: String, path: String
    ) throws(ConsulError) -> Value {
        do {
            return try ConsulJSON.decoder().decode(type, from: response.body)
        } catch {
            throw ConsulError(
                code: .invalidResponse, status: response.status, method: method, path: path,
                message: "cannot decode \(Value.self): \(error)", underlying: error)
        }
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}
