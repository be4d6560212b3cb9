import AWS
import Foundation
import Testing

/// Caching and refresh-before-expiry.
struct CachingCredentialProviderTests {
    private func temporary(_ id: String, expiresIn seconds: TimeInterval, from clock: ManualClock) -> AWSCredentials {
        AWSCredentials(accessKeyID: id, secretAccessKey: "s", sessionToken: "t", expiration: clock.now.addingTimeInterval(seconds))
    }

    /// Credentials with more than 10 minutes left are served from the cache.
    @Test func credentials_whenFarFromExpiry_servesCache() async throws {
        // Given
        let clock = ManualClock()
        let base = ScriptedCredentialProvider([.success(temporary("A", expiresIn: 3600, from: clock))])
        let cache = CachingCredentialProvider(wrapping: base, now: clock.closure)

        // When
        _ = try await cache.credentials()
        clock.advance(by: 3600 - 601)
        let second = try await cache.credentials()

        // Then
        #expect(second.accessKeyID == "A")
        #expect(base.calls == 1)
    }

    /// With less than 10 minutes left, the next call fetches new credentials (before expiry).
    @Test func credentials_whenWithinRefreshWindow_refreshesBeforeExpiry() async throws {
        // Given
        let clock = ManualClock()
        let base = ScriptedCredentialProvider([
            .success(temporary("A", expiresIn: 3600, from: clock)),
            .success(temporary("B", expiresIn: 7200, from: clock)),
        ])
        let cache = CachingCredentialProvider(wrapping: base, now: clock.closure)
        _ = try await cache.credentials()

        // When
        clock.advance(by: 3600 - 599)
        let refreshed = try await cache.credentials()

        // Then
        #expect(refreshed.accessKeyID == "B")
        #expect(base.calls == 2)
    }

    /// A failed refresh falls back to cached credentials that have not expired yet.
    @Test func credentials_whenRefreshFailsBeforeExpiry_returnsCached() async throws {
        // Given
        let clock = ManualClock()
        let base = ScriptedCredentialProvider([
            .success(temporary("A", expiresIn: 3600, from: clock)),
            .failure(AWSCredentialError(.endpointFailed, "down")),
        ])
        let cache = CachingCredentialProvider(wrapping: base, now: clock.closure)
        _ = try await cache.credentials()

        // When
        clock.advance(by: 3300)
        let stillValid = try await cache.credentials()

        // Then
        #expect(stillValid.accessKeyID == "A")
        #expect(base.calls == 2)
    }

    /// Once expired, a failed refresh is an error.
    @Test func credentials_whenRefreshFailsAfterExpiry_throws() async throws {
        // Given
        let clock = ManualClock()
        let base = ScriptedCredentialProvider([
            .success(temporary("A", expiresIn: 3600, from: clock)),
            .failure(AWSCredentialError(.endpointFailed, "down")),
        ])
        let cache = CachingCredentialProvider(wrapping: base, now: clock.closure)
        _ = try await cache.credentials()

        // When
        clock.advance(by: 3601)

        // Then
        await #expect(throws: AWSCredentialError.self) { try await cache.credentials() }
    }

    /// Invalidation, also through the protocol, makes the next call fetch again.
    @Test func invalidate_whenCalledThroughProtocol_forcesFetch() async throws {
        // Given
        let base = ScriptedCredentialProvider([
            .success(AWSCredentials(accessKeyID: "A", secretAccessKey: "s")),
            .success(AWSCredentials(accessKeyID: "B", secretAccessKey: "s")),
        ])
        let chain: any AWSCredentialProvider = AWSCredentialChain(providers: [base])
        _ = try await chain.credentials()

        // When
        await chain.invalidate()
        let fresh = try await chain.credentials()

        // Then
        #expect(fresh.accessKeyID == "B")
        #expect(base.calls == 2)
    }

    /// Credentials without an expiration are fetched once.
    @Test func credentials_whenNoExpiration_fetchesOnce() async throws {
        // Given
        let clock = ManualClock()
        let base = ScriptedCredentialProvider([.success(exampleCredentials)])
        let cache = CachingCredentialProvider(wrapping: base, now: clock.closure)

        // When
        for _ in 0..<5 {
            _ = try await cache.credentials()
            clock.advance(by: 86_400)
        }

        // Then
        #expect(base.calls == 1)
    }
}
