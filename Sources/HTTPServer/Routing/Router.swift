/// The handler for one route: runs off the libevent loop and cannot fail (errors become
/// responses inside the handler, so every request gets exactly one reply).
public typealias HTTPHandler = @Sendable (HTTPRequest) async -> HTTPResponse

/// Routes requests by path pattern and method; one router per listener.
///
/// Patterns are `/`-separated segments; a segment `{name}` matches any one segment and its
/// (decoded) value appears in ``HTTPRequest/pathParameters``. Literal segments win over
/// parameters. Empty segments are ignored, so `/v1/tasks/` matches `/v1/tasks`.
///
/// ```swift
/// var router = Router()
/// router.add(.get, "/v1/tasks/{taskId}") { request in
///     let id = request.pathParameters["taskId"]!
///     return HTTPResponse(status: 200, body: Array(id.utf8))
/// }
/// ```
///
/// Unknown paths get a 404 problem; a known path with another method gets a 405 problem and an
/// `Allow` header. HEAD is answered by the GET handler (without the body) unless a HEAD route
/// exists.
public struct Router: Sendable {
    private var root = RouteNode()
    /// Routes without parameters by their canonical path (`/a/b`): a hash lookup answers the
    /// common case without splitting the path. A full-literal match is always the best match,
    /// so this never changes which handler runs.
    private var literalRoutes: [String: [HTTPMethod: HTTPHandler]] = [:]
    /// Routes whose handler starts on the loop thread, by canonical path (``addOnLoop(_:_:handler:)``).
    var loopRoutes: [String: [HTTPMethod: HTTPLoopHandler]] = [:]
    /// Told of every request no route took (its 404 or 405 status), so the app can count them:
    /// scanners and misconfigured clients would otherwise stay invisible in per-route metrics.
    public var onUnmatched: (@Sendable (_ request: HTTPRequest, _ status: Int) -> Void)?

    public init() {}

    /// Registers `handler` for `method` on `pattern`; registering the same pair again replaces it.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, handler: @escaping HTTPHandler) {
        let segments = Self.segments(of: pattern)
        root.insert(segments: segments[...], method: method, handler: handler)
        if !segments.contains(where: RouteNode.isParameter) {
            let path = Self.canonicalPath(of: segments)
            literalRoutes[path, default: [:]][method] = handler
            // A task handler replaces a loop handler registered for the same pair before it.
            loopRoutes[path]?[method] = nil
        }
    }

    /// Finds the route for `request` and runs its handler, or answers 404/405 itself.
    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        if let handler = literalRoutes[request.path]?[request.method] {
            guard request.pathParameters.isEmpty else {
                var routed = request
                routed.pathParameters = [:]
                return await handler(routed)
            }
            return await handler(request)
        }
        let segments = Self.segments(of: request.path)
        var matches: [RouteMatch] = []
        root.collectMatches(segments: segments[...], parameters: [:], into: &matches)
        guard !matches.isEmpty else {
            onUnmatched?(request, 404)
            return .problem(status: 404, detail: "No resource at this path.")
        }
        var routed = request
        if let match = matches.first(where: { $0.node.handlers[request.method] != nil }) {
            routed.pathParameters = match.parameters
            return await match.node.handlers[request.method]!(routed)
        }
        if request.method == .head, let match = matches.first(where: { $0.node.handlers[.get] != nil }) {
            routed.pathParameters = match.parameters
            var response = await match.node.handlers[.get]!(routed)
            if !response.headers.contains(name: "Content-Length") {
                response.headers.add(name: "Content-Length", value: String(response.body.count))
            }
            response.body = []
            return response
        }
        onUnmatched?(request, 405)
        return Self.methodNotAllowed(request.method, allowed: matches.flatMap { $0.node.handlers.keys })
    }

    private static func methodNotAllowed(_ method: HTTPMethod, allowed: [HTTPMethod]) -> HTTPResponse {
        var methods = Set(allowed)
        if methods.contains(.get) { methods.insert(.head) }
        let sorted = methods.sorted { ($0.sortRank, $0.rawValue) < ($1.sortRank, $1.rawValue) }
        let allow = sorted.map(\.rawValue).joined(separator: ", ")
        return .problem(
            status: 405,
            detail: "Method \(method.rawValue) is not allowed here; allowed: \(allow).",
            headers: ["Allow": allow]
        )
    }

    static func segments(of path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    /// The key of a literal route (`/a/b`) in ``literalRoutes`` and ``loopRoutes``: a request's path
    /// finds its route by hash only if both are spelled this way.
    static func canonicalPath(of segments: [Substring]) -> String {
        "/" + segments.joined(separator: "/")
    }
}

/// A matched node and the parameters bound on the way to it.
struct RouteMatch {
    var node: RouteNode
    var parameters: [String: String]
}

/// One segment position in the route tree; a value type so copies of a ``Router`` never alias.
struct RouteNode: Sendable {
    var literals: [Substring: RouteNode] = [:]
    /// The `{name}` child: at most one element (an array only to let the struct recurse).
    var parameterChild: [RouteNode] = []
    var parameterName: String?
    var handlers: [HTTPMethod: HTTPHandler] = [:]

    mutating func insert(segments: ArraySlice<Substring>, method: HTTPMethod, handler: @escaping HTTPHandler) {
        guard let segment = segments.first else {
            handlers[method] = handler
            return
        }
        let rest = segments.dropFirst()
        if Self.isParameter(segment) {
            let name = String(segment.dropFirst().dropLast())
            precondition(
                parameterName == nil || parameterName == name,
                "Router: conflicting parameter names {\(parameterName ?? "")} and {\(name)} at the same position"
            )
            parameterName = name
            if parameterChild.isEmpty { parameterChild = [RouteNode()] }
            parameterChild[0].insert(segments: rest, method: method, handler: handler)
        } else {
            literals[segment, default: RouteNode()].insert(segments: rest, method: method, handler: handler)
        }
    }

    static func isParameter(_ segment: Substring) -> Bool {
        segment.count > 2 && segment.first == "{" && segment.last == "}"
    }

    /// Depth-first, literals before parameters, so `matches` is in priority order.
    func collectMatches(segments: ArraySlice<Substring>, parameters: [String: String], into matches: inout [RouteMatch]) {
        guard let segment = segments.first else {
            if !handlers.isEmpty { matches.append(RouteMatch(node: self, parameters: parameters)) }
            return
        }
        let rest = segments.dropFirst()
        if let literal = literals[segment] {
            literal.collectMatches(segments: rest, parameters: parameters, into: &matches)
        }
        if let child = parameterChild.first, let name = parameterName {
            var bound = parameters
            bound[name] = String(segment)
            child.collectMatches(segments: rest, parameters: bound, into: &matches)
        }
    }
}
