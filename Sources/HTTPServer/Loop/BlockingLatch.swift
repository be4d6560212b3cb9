import Glibc

/// A one-shot, thread-blocking signal for the few places that must wait synchronously for the
/// loop thread (``EventHTTPServer/start()`` is synchronous by contract).
///
/// Safety: the `sem_t` is heap-allocated once, never moved, and `sem_post`/`sem_wait` are
/// thread-safe by POSIX; the class holds no other state.
final class BlockingLatch: @unchecked Sendable {
    private let semaphore: UnsafeMutablePointer<sem_t>

    init() {
        semaphore = .allocate(capacity: 1)
        sem_init(semaphore, 0, 0)
    }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    func signal() {
        sem_post(semaphore)
    }

    /// Blocks the calling thread until ``signal()`` (retrying on `EINTR`).
    func wait() {
        while sem_wait(semaphore) != 0 && errno == EINTR {}
    }
}
