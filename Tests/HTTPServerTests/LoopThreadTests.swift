import Dispatch
import Foundation
@testable import HTTPServer
import Testing

/// The loop-thread bridge on its own: ordering, concurrency, shutdown, wakeup coalescing.
struct LoopThreadTests {
    /// Loop-confined test state. Safety: only read and written inside work run on the loop.
    private final class LoopBox<Value>: @unchecked Sendable {
        var value: Value
        init(_ value: Value) { self.value = value }
    }

    private func makeLoop() throws -> LoopThread {
        let loop = try LoopThread(name: "test-loop", logger: quietLogger)
        try loop.start()
        return loop
    }

    /// Runs `body` on the loop and returns its result.
    private func onLoop<T: Sendable>(_ loop: LoopThread, _ body: @escaping @Sendable () -> T) async -> T? {
        await withCheckedContinuation { continuation in
            if !loop.execute({ continuation.resume(returning: body()) }) {
                continuation.resume(returning: nil)
            }
        }
    }

    /// Work from one thread runs in submission order, on the loop thread.
    @Test func execute_whenCalledRepeatedly_runsInSubmissionOrderOnLoop() async throws {
        // Given
        let loop = try makeLoop()
        let order = LoopBox<[Int]>([])
        let onLoopEverywhere = LoopBox(true)
        // When
        for index in 0..<1000 {
            #expect(loop.execute {
                order.value.append(index)
                onLoopEverywhere.value = onLoopEverywhere.value && loop.isOnLoop
            })
        }
        let result = await onLoop(loop) { (order.value, onLoopEverywhere.value) }
        // Then
        #expect(result?.0 == Array(0..<1000))
        #expect(result?.1 == true)
        #expect(!loop.isOnLoop)
        await loop.stop(final: {})
    }

    /// Many threads submitting at once: every job runs exactly once, each thread's jobs in order.
    @Test func execute_whenManyThreadsSubmit_runsEveryJobOnceInPerThreadOrder() async throws {
        // Given
        let loop = try makeLoop()
        let seen = LoopBox<[[Int]]>(Array(repeating: [], count: 8))
        let done = DispatchGroup()
        // When
        for thread in 0..<8 {
            done.enter()
            Thread {
                for index in 0..<2000 {
                    loop.execute { seen.value[thread].append(index) }
                }
                done.leave()
            }.start()
        }
        await withCheckedContinuation { continuation in
            done.notify(queue: .global()) { continuation.resume() }
        }
        let result = await onLoop(loop) { seen.value }
        // Then
        #expect(result?.count == 8)
        #expect(result?.allSatisfy { $0 == Array(0..<2000) } == true)
        await loop.stop(final: {})
    }

    /// After stop began, execute refuses work; the final job runs on the loop before it exits.
    @Test func execute_afterStop_returnsFalse() async throws {
        // Given
        let loop = try makeLoop()
        let finalRanOnLoop = LoopBox(false)
        // When
        await loop.stop(final: { finalRanOnLoop.value = loop.isOnLoop })
        let accepted = loop.execute {}
        // Then
        #expect(!accepted)
        #expect(finalRanOnLoop.value)
    }

    /// Work submitted while the loop is busy costs one wakeup and is drained in one batch.
    @Test func execute_whileLoopIsBusy_coalescesWakeupsIntoOneDrain() async throws {
        // Given: the loop is blocked inside a job
        let loop = try makeLoop()
        let blocked = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        loop.execute {
            blocked.signal()
            release.wait()
        }
        try await onOwnThread { blocked.wait() }
        let before = loop.statistics
        // When
        let ran = LoopBox(0)
        for _ in 0..<500 {
            loop.execute { ran.value += 1 }
        }
        let queuedWakeups = loop.statistics.wakeups - before.wakeups
        release.signal()
        let count = await onLoop(loop) { ran.value }
        let after = loop.statistics
        // Then: 500 jobs raised one wakeup and ran in one drain (plus one for the probe)
        #expect(count == 500)
        #expect(queuedWakeups == 1)
        #expect(after.drains - before.drains <= 2)
        await loop.stop(final: {})
    }

    /// isOnLoop is false off the loop and preconditionOnLoop passes on it.
    @Test func isOnLoop_whenCheckedOnAndOffLoop_distinguishesThreads() async throws {
        // Given
        let loop = try makeLoop()
        let other = try makeLoop()
        // When
        let onOwn = await onLoop(loop) { loop.preconditionOnLoop(); return loop.isOnLoop }
        let onOther = await onLoop(other) { loop.isOnLoop }
        // Then
        #expect(onOwn == true)
        #expect(onOther == false)
        #expect(!loop.isOnLoop)
        await loop.stop(final: {})
        await other.stop(final: {})
    }
}

/// The libevent version check that runs before the first loop starts.
struct LibeventVersionTests {
    /// 2.1.x (what request lifetimes were checked against) is accepted.
    @Test func checkVersion_when21x_accepts() throws {
        try Libevent.checkVersion(0x0201_0C00, text: "2.1.12-stable")
        try Libevent.checkVersion(0x0201_0800, text: "2.1.8-stable")
    }

    /// Any other series is refused with a clear error naming both versions.
    @Test(arguments: [(UInt32(0x0202_0100), "2.2.1-alpha"), (0x0300_0000, "3.0.0"), (0x0200_1600, "2.0.22-stable")])
    func checkVersion_whenOtherSeries_throwsUnsupportedLibevent(number: UInt32, text: String) {
        // When
        let error = #expect(throws: HTTPServerError.self) { try Libevent.checkVersion(number, text: text) }
        // Then
        #expect(error?.code == .unsupportedLibevent)
        #expect(error?.context.contains(text) == true)
        #expect(error?.context.contains("2.1.x") == true)
    }

    /// The library this machine loads passes the check (a loop can be created).
    @Test func prepareProcess_onThisMachine_succeeds() throws {
        try Libevent.prepareProcess()
    }
}
