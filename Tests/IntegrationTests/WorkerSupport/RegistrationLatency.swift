import AsyncHTTPClient
import Foundation
import MeshModel

/// Event-to-visible latency: posts each task's event at a steady rate with `post` and, from the
/// instant of each POST, waits with a ``CatalogVisibilityWatcher`` until the instance is listed
/// passing in Consul. Used by the registration benchmark (one controller) and the HA benchmark
/// (replicas behind haproxy).
struct RegistrationLatency {
    let watcher: CatalogVisibilityWatcher
    /// Events per second.
    let rate: Double
    /// Prints the samples slower than 50 ms (BENCH_VERBOSE=1).
    var verbose = false
    /// The threshold for ``verbose`` (BENCH_SLOW_MS, default 50).
    var slowMilliseconds = Int(ProcessInfo.processInfo.environment["BENCH_SLOW_MS"] ?? "") ?? 50

    /// Posts each task's event of `version` with `lastStatus` (one per request; tasks of several
    /// services interleaved, as in a deployment wave). Returns the latencies to visible and to the
    /// answer of the POST.
    func measure(tasks: [MotoECSFixture.MotoTask], version: Int, lastStatus: String = "RUNNING", clusterArn: String,
                 post: @escaping @Sendable ([UInt8]) async throws -> Void) async -> (visible: LatencySummary, acknowledged: LatencySummary) {
        let samples = LatencySamples()
        let interval = Duration.nanoseconds(Int64(1e9 / rate))
        let order = tasks.sorted { ($0.taskID, $0.taskArn) < ($1.taskID, $1.taskArn) }
        await withTaskGroup(of: Void.self) { group in
            let start = ContinuousClock.now
            for (i, task) in order.enumerated() {
                try? await Task.sleep(until: start + interval * i, clock: .continuous)
                let body = MeshEventBuilder.body([MeshEventBuilder.event(task, clusterArn: clusterArn, version: version,
                                                                         lastStatus: lastStatus)])
                let service = task.family.lowercased()
                let id = MeshNames.serviceID(service: service, taskID: task.taskID)
                group.addTask { [watcher, verbose] in
                    let sent = ContinuousClock.now
                    async let seen = watcher.firstSeen(service: service, serviceID: id, until: sent + .seconds(60))
                    try? await post(body)
                    samples.record(acknowledged: sent.duration(to: .now))
                    if let seen = await seen {
                        samples.record(visible: sent.duration(to: seen))
                        if verbose, sent.duration(to: seen) > .milliseconds(slowMilliseconds) {
                            print("BENCH-SLOW at \(start.duration(to: sent)) took \(sent.duration(to: seen)) \(id)")
                        }
                    }
                }
            }
            await group.waitForAll()
        }
        return (samples.visibleSummary, samples.acknowledgedSummary)
    }
}
