/// An error from starting or running ``EventHTTPServer``, with the context to act on it.
///
/// A struct wrapping a private code (the swift-service-lifecycle `ServiceGroupError` shape),
/// so cases can be added without breaking callers' switches. Compare ``code`` to match.
public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, comparable with `==`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidConfiguration
            case bindFailed
            case libeventFailure
            case unsupportedLibevent
            case shutDown
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The configuration cannot work (duplicate listener names, bad port, ...).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A listener could not be bound (address in use, permission, unknown host).
        public static let bindFailed = Code(.bindFailed)
        /// A libevent call failed (allocation, thread support).
        public static let libeventFailure = Code(.libeventFailure)
        /// The loaded libevent is not of the release series whose semantics the server relies on.
        public static let unsupportedLibevent = Code(.unsupportedLibevent)
        /// The server has been shut down and cannot start again.
        public static let shutDown = Code(.shutDown)

        public var description: String { base.rawValue }
    }

    public let code: Code
    /// Human-readable context, e.g. `"127.0.0.1:8080"` or the libevent function that failed.
    public let context: String
    /// The `errno` observed right after the failure, when meaningful.
    public let errno: Int32?
    public let file: String
    public let line: Int

    init(_ code: Code, _ context: String, errno: Int32? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.context = context
        self.errno = errno
        self.file = file
        self.line = line
    }

    public var description: String {
        var text = "HTTPServerError.\(code): \(context)"
        if let errno { text += " (errno \(errno): \(SystemErrorText.describe(errno)))" }
        return text + " [\(file):\(line)]"
    }
}
