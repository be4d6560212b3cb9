import HTTPServer

/// Counts requests by listener, route pattern, method and status (the route, never the raw path,
/// so task IDs do not become label values).
enum RequestMetrics {
    static func instrument(_ handler: @escaping HTTPHandler, metrics: ControllerMetrics?, listener: String,
                           route: String, method: HTTPMethod) -> HTTPHandler {
        guard let metrics else { return handler }
        return { request in
            let started = ContinuousClock.now
            let response = await handler(request)
            metrics.httpRequest(listener: listener, route: route, method: method.rawValue, status: response.status,
                                duration: ContinuousClock.now - started)
            return response
        }
    }
}
