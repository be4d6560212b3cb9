import CLibevent
import Glibc
import Logging

/// The one place where libevent return codes become ``HTTPServerError``s (cf. NIO's
/// `HTTPParserError` mapping in `HTTPDecoder.swift`).
enum Libevent {
    /// libevent's convention: `0` is success, `-1` (or any other value) a failure with `errno` set.
    static func check(_ result: Int32, _ function: StaticString, file: String = #fileID, line: Int = #line) throws(HTTPServerError) {
        guard result == 0 else {
            throw HTTPServerError(.libeventFailure, "\(function) returned \(result)", errno: Glibc.errno, file: file, line: line)
        }
    }

    /// libevent's constructors return `NULL` on failure.
    static func require<Handle>(_ handle: Handle?, _ function: StaticString, file: String = #fileID, line: Int = #line) throws(HTTPServerError) -> Handle {
        guard let handle else {
            throw HTTPServerError(.libeventFailure, "\(function) returned NULL", errno: Glibc.errno, file: file, line: line)
        }
        return handle
    }

    /// Readies the process for libevent once, before the first `event_base_new`; later calls
    /// return (or throw) the first call's outcome.
    ///
    /// - Throws: ``HTTPServerError`` `.unsupportedLibevent` when the loaded library is not a
    ///   ``supportedSeries`` release, or `.libeventFailure` when thread support cannot be enabled.
    static func prepareProcess() throws(HTTPServerError) {
        try processPreparation.get()
    }

    /// The libevent release series whose request lifetimes this server relies on: a reply sent
    /// later from another thread is legal, reading on that connection pauses until it, and a
    /// request whose client left is detached, not freed (checked on 2.1.12).
    static let supportedSeries = (major: UInt32(2), minor: UInt32(1))

    /// Refuses a libevent whose `event_get_version_number()` is outside ``supportedSeries``.
    /// - Parameters:
    ///   - number: `0xMMmmpp00`-style version number (major, minor, patch bytes).
    ///   - text: The library's own version string, for the message.
    static func checkVersion(_ number: UInt32, text: String) throws(HTTPServerError) {
        let major = number >> 24, minor = (number >> 16) & 0xFF
        guard major == supportedSeries.major, minor == supportedSeries.minor else {
            throw HTTPServerError(
                .unsupportedLibevent,
                "libevent \(text) is loaded, but request lifetimes rely on libevent "
                    + "\(supportedSeries.major).\(supportedSeries.minor).x semantics; install libevent "
                    + "\(supportedSeries.major).\(supportedSeries.minor) (Debian: libevent-2.1-7)"
            )
        }
    }

    /// Process-wide setup, run once (a lazily initialised global `let` runs exactly once,
    /// swift_once): the version check, then `evthread_use_pthreads`, which must precede every
    /// `event_base_new` so that `event_active` from other threads is legal; the log callback has
    /// no context argument, so it finds the right ``Logger`` through a thread-local (below); and
    /// SIGPIPE is ignored because libevent writes with `writev`, which has no `MSG_NOSIGNAL`: a
    /// client that leaves before its reply would otherwise kill the process.
    private static let processPreparation: Result<Void, HTTPServerError> = {
        do throws(HTTPServerError) {
            try checkVersion(event_get_version_number(), text: String(cString: event_get_version()))
        } catch {
            return .failure(error)
        }
        signal(SIGPIPE, SIG_IGN)
        event_set_log_callback(libeventLogCallback)
        guard evthread_use_pthreads() == 0 else {
            return .failure(HTTPServerError(.libeventFailure, "evthread_use_pthreads failed"))
        }
        return .success(())
    }()

    /// Thread-local slot holding the current loop thread's ``LoopThreadIdentity``.
    ///
    /// Safety: an immutable key created once; each loop thread stores only its own identity.
    static let loopThreadKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}

/// What the loop thread publishes in its thread-local slot: who it is (for `isOnLoop`) and
/// where libevent's own log lines should go.
final class LoopThreadIdentity: Sendable {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
}

/// libevent log lines arrive here; C callbacks cannot capture, so the logger comes from the
/// calling thread's ``LoopThreadIdentity`` (libevent logs on the thread that made the call,
/// which for a server is its loop thread). Lines from other threads go to stderr, as libevent
/// would have printed them.
private let libeventLogCallback: @convention(c) (Int32, UnsafePointer<CChar>?) -> Void = { severity, message in
    guard let message else { return }
    guard let raw = pthread_getspecific(Libevent.loopThreadKey) else {
        let line = "[libevent] \(String(cString: message))\n"
        _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        return
    }
    let identity = Unmanaged<LoopThreadIdentity>.fromOpaque(raw).takeUnretainedValue()
    // Library rule: info or below. EVENT_LOG_ERR precedes libevent exiting the process, so it
    // is the one line worth a warning.
    let level: Logger.Level = switch severity {
    case EVENT_LOG_DEBUG, EVENT_LOG_MSG: .debug
    case EVENT_LOG_WARN: .info
    default: .warning
    }
    identity.logger.log(
        level: level,
        "libevent reported a condition",
        metadata: ["libevent.message": .string(String(cString: message)), "libevent.severity": .stringConvertible(severity)]
    )
}

/// `strerror` text for error descriptions.
enum SystemErrorText {
    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
