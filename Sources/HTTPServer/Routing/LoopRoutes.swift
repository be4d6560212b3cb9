/// The one answer to a request whose handler was handed a responder (``HTTPLoopHandler``).
///
/// Call ``reply(_:)`` exactly once, from any thread. The server delivers the response through the
/// loop thread's bridge, like any handler's; if the reply deadline answered the request first, the
/// late response is dropped.
public struct HTTPResponder: Sendable {
    private let send: @Sendable (HTTPResponse) -> Void

    /// A responder that hands the response to `send`: the server's delivery, or a test's capture.
    public init(_ send: @escaping @Sendable (HTTPResponse) -> Void) {
        self.send = send
    }

    /// Answers the request.
    public func reply(_ response: HTTPResponse) {
        send(response)
    }
}

/// A handler that starts on the libevent loop thread itself and answers later, from whatever thread
/// finishes the work, through its responder.
///
/// For a hot route whose work is a short check and a hand-off to a thread of its own (ingest: decode
/// an event, queue it for the journal's writer, answer from the commit). It spares the request two
/// thread hand-offs of the task path: from the loop to a handler task, and from the writer back to
/// that task. On a two-core machine shared with its dependencies each hand-off was a scheduling
/// wait, and they made much of the 202's tail (docs/benchmarks.md, issue #16).
///
/// It must not block or suspend, and its synchronous part delays every other request on the loop,
/// so the server runs it on the loop only for bodies up to ``HTTPServerConfiguration/loopHandlerBodyLimit``;
/// a larger body runs the same handler on a task.
public typealias HTTPLoopHandler = @Sendable (HTTPRequest, HTTPResponder) -> Void

extension Router {
    /// Registers a handler that starts on the loop thread (see ``HTTPLoopHandler``) for `method`
    /// on the literal `path`.
    ///
    /// The route also answers through ``handle(_:)`` like any other (the responder then resumes
    /// the calling task), so 404s, 405s and tests see one router.
    /// - Precondition: `path` has no `{parameter}` segment.
    public mutating func addOnLoop(_ method: HTTPMethod, _ path: String, handler: @escaping HTTPLoopHandler) {
        let segments = Self.segments(of: path)
        precondition(!segments.contains(where: RouteNode.isParameter), "Router: a loop route takes a literal path, not \(path)")
        add(method, path) { request in
            await withCheckedContinuation { continuation in
                handler(request, HTTPResponder { continuation.resume(returning: $0) })
            }
        }
        loopRoutes[Self.canonicalPath(of: segments), default: [:]][method] = handler
    }

    /// The loop handler registered for the request's method and exact path, if any.
    func loopHandler(for request: HTTPRequest) -> HTTPLoopHandler? {
        guard !loopRoutes.isEmpty else { return nil }
        return loopRoutes[request.path]?[request.method]
    }
}
