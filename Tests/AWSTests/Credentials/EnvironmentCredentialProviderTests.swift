import AWS
import Foundation
import Testing

/// Credentials from environment variables.
struct EnvironmentCredentialProviderTests {
    /// Key pair and session token are read.
    @Test func credentials_whenKeysAndToken_returnsThem() async throws {
        // Given
        let provider = EnvironmentCredentialProvider(environment: [
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "TOKEN",
        ])

        // When
        let credentials = try await provider.credentials()

        // Then
        #expect(credentials == AWSCredentials(accessKeyID: "AKID", secretAccessKey: "SECRET", sessionToken: "TOKEN"))
    }

    /// Nothing set means "not configured" so a chain moves on.
    @Test func credentials_whenNothingSet_throwsNotConfigured() async {
        // Given
        let provider = EnvironmentCredentialProvider(environment: [:])

        // When
        let error = await #expect(throws: AWSCredentialError.self) { try await provider.credentials() }

        // Then
        #expect(error?.code == .notConfigured)
    }

    /// Half a key pair is a configuration error naming the missing variable.
    @Test func credentials_whenOnlyAccessKey_throwsInvalidConfiguration() async {
        // Given
        let provider = EnvironmentCredentialProvider(environment: ["AWS_ACCESS_KEY_ID": "AKID"])

        // When
        let error = await #expect(throws: AWSCredentialError.self) { try await provider.credentials() }

        // Then
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("AWS_SECRET_ACCESS_KEY") == true)
    }

    /// The description of credentials never shows the secret or the token.
    @Test func description_whenPrinted_redactsSecrets() {
        // Given
        let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "SUPERSECRET", sessionToken: "TOKENVALUE")

        // When
        let text = "\(credentials) \(String(reflecting: credentials))"

        // Then
        #expect(!text.contains("SUPERSECRET"))
        #expect(!text.contains("TOKENVALUE"))
        #expect(!text.contains("AKIDEXAMPLE"))
    }
}
