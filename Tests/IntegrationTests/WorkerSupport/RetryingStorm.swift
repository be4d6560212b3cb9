import MeshTestSupport
import Synchronization
import Testing

/// One event to deliver: "taskArn#version" and its request body.
struct Delivery: Sendable {
    var key: String
    var body: [UInt8]

    /// One delivery per event of `events`, keyed "taskArn#version".
    static func each(_ events: [[String: Any]]) -> [Delivery] {
        events.map { event in
            let detail = event["detail"] as? [String: Any] ?? [:]
            let key = "\(detail["taskArn"] as? String ?? "")#\(detail["version"] as? Int ?? 0)"
            return Delivery(key: key, body: MeshEventBuilder.body([event]))
        }
    }
}

/// Clients that post like EventBridge: each delivers its share, retrying on non-2xx and connection
/// errors (and timeouts, which `send` reports by throwing), then keeps re-posting its share
/// (duplicates) until stopped, cancelled, or `lifetime` after the storm was made, whichever comes
/// first (so a test that forgets to stop it, or fails before, leaves no client running).
final class RetryingStorm: Sendable {
    private struct State {
        var acknowledged = Set<String>()
        var answered = 0
        var stopped = false
    }

    private let deliveries: [Delivery]
    private let distinctKeys: Int
    private let endOfLife: ContinuousClock.Instant
    private let state = Mutex(State())

    init(deliveries: [Delivery], lifetime: Duration = .seconds(300)) {
        self.deliveries = deliveries
        distinctKeys = Set(deliveries.map(\.key)).count
        endOfLife = .now + lifetime
    }

    var answered: Int { state.withLock { $0.answered } }
    var acknowledged: Set<String> { state.withLock { $0.acknowledged } }
    var everyDeliveryAcknowledged: Bool { state.withLock { $0.acknowledged.count == distinctKeys } }
    func stop() { state.withLock { $0.stopped = true } }
    private var isStopped: Bool { state.withLock { $0.stopped } || Task.isCancelled || ContinuousClock.now >= endOfLife }

    /// Client `client` of `clients` delivers its share with `send`, which returns the HTTP status.
    func post(client: Int, clients: Int, send: @Sendable ([UInt8]) async throws -> Int) async {
        let share = stride(from: client, to: deliveries.count, by: clients).map { deliveries[$0] }
        var index = 0
        while !isStopped, !share.isEmpty {
            let delivery = share[index % share.count]
            let status = try? await send(delivery.body)
            if let status, (200..<300).contains(status) {
                state.withLock {
                    $0.acknowledged.insert(delivery.key)
                    $0.answered += 1
                }
                index += 1
            } else {
                // EventBridge retries the same delivery after a pause.
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// Posts with `clients` clients until every delivery was acknowledged once, then stops; records
    /// a test issue and stops if that takes longer than two minutes.
    func deliverAll(clients: Int, send: @escaping @Sendable ([UInt8]) async throws -> Int) async {
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask { await self.post(client: client, clients: clients, send: send) }
            }
            let delivered = await eventually(timeout: .seconds(120), interval: .milliseconds(10)) { everyDeliveryAcknowledged }
            stop()
            if !delivered {
                let acknowledged = state.withLock { $0.acknowledged.count }
                Issue.record("\(acknowledged) of \(distinctKeys) deliveries acknowledged after 120 s (\(answered) answers)")
            }
        }
    }
}
