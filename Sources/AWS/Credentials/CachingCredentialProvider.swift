public import Foundation
public import Logging

/// Caches another provider's credentials and refreshes them before they expire.
///
/// Refreshes when less than `refreshWindow` (default 10 minutes, botocore's mandatory refresh) is
/// left before `expiration`; credentials without an expiration are kept forever. Concurrent callers
/// share one refresh. If a refresh fails while the cached credentials are still unexpired, those are
/// returned (and the next call tries again), so a brief endpoint outage does not fail requests.
public actor CachingCredentialProvider: AWSCredentialProvider {
    private let base: any AWSCredentialProvider
    private let refreshWindow: TimeInterval
    private let now: @Sendable () -> Date
    private let logger: Logger
    private var cached: AWSCredentials?
    private var refresh: Task<AWSCredentials, any Error>?

    /// Wraps `base`.
    /// - Parameters:
    ///   - base: The provider to fetch from.
    ///   - refreshWindow: How long before expiry to fetch new credentials.
    ///   - now: The clock; tests pass a controllable one.
    ///   - logger: Receives a line when a refresh fails but cached credentials are still used.
    public init(
        wrapping base: any AWSCredentialProvider, refreshWindow: Duration = .seconds(600),
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger = AWSLogging.noop
    ) {
        self.base = base
        let (seconds, attoseconds) = refreshWindow.components
        self.refreshWindow = TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
        self.now = now
        self.logger = logger
    }

    public func credentials() async throws -> AWSCredentials {
        let current = now()
        if let cached, !needsRefresh(cached, at: current) {
            return cached
        }
        let task: Task<AWSCredentials, any Error>
        if let refresh {
            task = refresh
        } else {
            let base = self.base
            task = Task { try await base.credentials() }
            refresh = task
        }
        do {
            let fresh = try await task.value
            if refresh == task {
                cached = fresh
                refresh = nil
            }
            return fresh
        } catch {
            if refresh == task { refresh = nil }
            if let cached, let expiration = cached.expiration, expiration > now() {
                logger.info("Credential refresh failed; using cached credentials until they expire", metadata: [
                    "aws.credentials.expiration": "\(expiration)", "error.type": "\(type(of: error))",
                ])
                return cached
            }
            throw error
        }
    }

    /// Forgets the cached credentials (e.g. after the service rejects them as expired).
    ///
    /// Declared `async` on purpose: a synchronous version would lose overload resolution to the
    /// protocol's default `invalidate() async` at call sites, which does nothing.
    public func invalidate() async {
        cached = nil
    }

    private func needsRefresh(_ credentials: AWSCredentials, at date: Date) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return expiration.timeIntervalSince(date) < refreshWindow
    }
}
