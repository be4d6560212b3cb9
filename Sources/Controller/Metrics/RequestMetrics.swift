import HTTPServer
import Metrics
import Synchronization

/// Counts requests by listener, route pattern, method and status (the route, never the raw path,
/// so task IDs do not become label values).
enum RequestMetrics {
    static func instrument(_ handler: @escaping HTTPHandler, metrics: ControllerMetrics?, listener: String,
                           route: String, method: HTTPMethod) -> HTTPHandler {
        guard let metrics else { return handler }
        let series = metrics.requestSeries(listener: listener, route: route, method: method.rawValue)
        return { request in
            let started = ContinuousClock.now
            let response = await handler(request)
            series.record(status: response.status, duration: ContinuousClock.now - started)
            return response
        }
    }

    /// ``instrument(_:metrics:listener:route:method:)`` for a loop handler: the duration runs from
    /// its start to its reply, on whatever thread that comes.
    static func instrument(_ handler: @escaping HTTPLoopHandler, metrics: ControllerMetrics?, listener: String,
                           route: String, method: HTTPMethod) -> HTTPLoopHandler {
        guard let metrics else { return handler }
        let series = metrics.requestSeries(listener: listener, route: route, method: method.rawValue)
        return { request, responder in
            let started = ContinuousClock.now
            handler(request, HTTPResponder { response in
                series.record(status: response.status, duration: ContinuousClock.now - started)
                responder.reply(response)
            })
        }
    }
}

/// One route's request series, made when the route is registered rather than on every request:
/// asking the registry for a series takes its lock and hashes the label set, which every ingest
/// and heartbeat request would otherwise pay twice. Counters per status are made on first use.
final class RouteRequestSeries: Sendable {
    private let duration: Timer
    private let requests: CounterCache<Int>

    init(duration: Timer, requests: CounterCache<Int>) {
        self.duration = duration
        self.requests = requests
    }

    func record(status: Int, duration elapsed: Duration) {
        requests.counter(for: status).increment()
        duration.record(duration: elapsed)
    }
}

/// Counters of one metric told apart by one label whose values come from a small set (a status,
/// a result), each made through the registry once and then reused.
final class CounterCache<Key: Hashable & Sendable>: Sendable {
    private let make: @Sendable (Key) -> Counter
    private let counters = Mutex<[Key: Counter]>([:])

    init(make: @escaping @Sendable (Key) -> Counter) {
        self.make = make
    }

    func counter(for key: Key) -> Counter {
        counters.withLock { counters in
            if let known = counters[key] { return known }
            let made = make(key)
            counters[key] = made
            return made
        }
    }
}
