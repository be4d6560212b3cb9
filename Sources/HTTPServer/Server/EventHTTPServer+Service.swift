public import ServiceLifecycle

extension EventHTTPServer: Service {
    /// Serves until graceful shutdown (`ServiceGroup`), cancellation or ``shutdown()``, then
    /// shuts down and returns. Starts the server first if ``start()`` was not called.
    ///
    /// Cancellation shortens the shutdown grace period to zero: pending requests get 503 at once.
    /// - Throws: ``HTTPServerError`` if the server cannot start.
    public func run() async throws {
        try await start()
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await shutdownRequested.wait()
            } onGracefulShutdown: {
                self.shutdownRequested.signal()
            }
        } onCancel: {
            self.cutGracePeriodShort()
        }
        await shutdown()
    }
}
