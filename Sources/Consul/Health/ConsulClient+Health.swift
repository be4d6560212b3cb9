public import Logging
public import NIOCore

extension ConsulClient {
    /// Instances of a service with their nodes and checks (`GET /v1/health/service/:service`).
    /// - Parameter passingOnly: only instances whose checks all pass (`?passing`).
    /// - Throws: ``ConsulError``.
    public func serviceHealth(
        _ service: String, passingOnly: Bool = false, deadline: NIODeadline? = nil, logger: Logger
    ) async throws(ConsulError) -> ConsulRead<[ServiceHealth]> {
        try await read(
            [ServiceHealth].self, path: ConsulPath.make("/v1/health/service", service),
            query: passingOnly ? [("passing", "1")] : [], deadline: deadline, logger: logger)
    }

    /// All checks of all instances of a service (`GET /v1/health/checks/:service`).
    /// - Throws: ``ConsulError``.
    public func serviceChecks(
        _ service: String, deadline: NIODeadline? = nil, logger: Logger
    ) async throws(ConsulError) -> ConsulRead<[HealthCheck]> {
        try await read(
            [HealthCheck].self, path: ConsulPath.make("/v1/health/checks", service), deadline: deadline, logger: logger)
    }
}
