import Foundation
import Glibc

/// Runs blocking work on its own thread, so that it never occupies a thread of the (small)
/// cooperative pool that the server's handlers and the other parallel tests need.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// A TCP client for cases AsyncHTTPClient cannot express: malformed or oversized requests,
/// slow clients, clients that leave early, refused connections. Its blocking socket calls run
/// on their own threads (see ``onOwnThread(_:)``).
final class RawHTTPConnection: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let fd: Int32

    /// Connects to 127.0.0.1:`port` (loopback connects do not block); reads wait at most `readTimeout`.
    init(port: Int, readTimeout: Duration = .seconds(10)) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        let result = Self.connect(fd, port: port)
        guard result == 0 else {
            Glibc.close(fd)
            throw Failure(description: "connect: errno \(result)")
        }
        var timeout = timeval(tv_sec: Int(readTimeout.components.seconds), tv_usec: Int(readTimeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { Glibc.close(fd) }

    /// The `errno` of a connection attempt to 127.0.0.1:`port` (0 if it connected).
    static func connectError(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(fd) }
        return connect(fd, port: port)
    }

    private static func connect(_ fd: Int32, port: Int) -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0 ? 0 : errno
    }

    func send(_ text: String) async throws {
        let bytes = Array(text.utf8)
        try await onOwnThread { try self.sendBlocking(bytes) }
    }

    /// Reads until the peer closes (or the read timeout passes).
    /// - Returns: What was read, and whether the peer closed the connection.
    func readUntilClosed() async throws -> (text: String, closed: Bool) {
        try await onOwnThread { self.readUntilClosedBlocking() }
    }

    /// Reads one response (headers plus `Content-Length` bytes of body).
    func readResponse() async throws -> String {
        try await onOwnThread { try self.readResponseBlocking() }
    }

    private func sendBlocking(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw Failure(description: "send: errno \(errno)") }
            offset += written
        }
    }

    private func readUntilClosedBlocking() -> (text: String, closed: Bool) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received.append(contentsOf: buffer[0..<count])
            } else {
                // 0: orderly close; ECONNRESET also means the server closed.
                let closed = count == 0 || errno == ECONNRESET
                return (String(decoding: received, as: UTF8.self), closed)
            }
        }
    }

    private func readResponseBlocking() throws -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            if let text = Self.completeResponse(received) { return text }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else {
                throw Failure(description: "connection ended after \(received.count) bytes (errno \(errno))")
            }
            received.append(contentsOf: buffer[0..<count])
        }
    }

    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    private static func completeResponse(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let headerEnd = text.firstRange(of: "\r\n\r\n") else { return nil }
        let head = text[..<headerEnd.lowerBound].lowercased()
        var length = 0
        for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
            length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: " ")) ?? 0
        }
        let bodyBytes = text[headerEnd.upperBound...].utf8.count
        return bodyBytes >= length ? text : nil
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> Substring {
        var result = self
        while result.first == set { result = result.dropFirst() }
        while result.last == set { result = result.dropLast() }
        return result
    }
}
