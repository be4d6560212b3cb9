/// Polls `condition` until it holds or `timeout` passes, for tests that wait for a condition
/// rather than sleeping for a time: returns as soon as the condition holds.
///
/// A condition that throws counts as "not yet" (a server still starting, a read that races a
/// write), and is asked again after `interval`.
///
/// ```swift
/// #expect(await eventually { await store.item("task:a")?.state == .done })
/// try #require(await eventually(timeout: .seconds(60)) { try await probe.isRegistered(task) })
/// ```
/// - Parameters:
///   - timeout: How long to keep asking; only a failing test waits this long.
///   - interval: The pause between two questions: 50 ms by default, which keeps polls of real
///     servers (Consul, moto, sockets) light; pass less for a state that lasts only milliseconds.
/// - Returns: Whether the condition held in time (or, when the task was cancelled, at once).
@discardableResult
public func eventually(
    timeout: Duration = .seconds(60), interval: Duration = .milliseconds(50),
    _ condition: () async throws -> Bool
) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        // A cancelled task (a test past its time limit) asks once more and gives up, rather than
        // spinning until the deadline: its sleep no longer waits.
        do { try await Task.sleep(for: interval) } catch { break }
    }
    return (try? await condition()) == true
}
