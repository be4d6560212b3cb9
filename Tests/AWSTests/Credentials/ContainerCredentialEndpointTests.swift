import AWS
import ErrorClassification
import Foundation
import Testing

/// Resolving the container credentials endpoint (botocore's rules).
struct ContainerCredentialEndpointTests {
    /// The relative URI goes to 169.254.170.2 and wins over the full URI.
    @Test func resolve_whenRelativeAndFullURI_usesRelativeOnECSHost() throws {
        // Given / When
        let endpoint = try ContainerCredentialEndpoint.resolve(environment: [
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9999/creds",
        ])

        // Then
        #expect(endpoint?.url.absoluteString == "http://169.254.170.2/v2/credentials/abc")
    }

    /// Neither variable: not configured.
    @Test func resolve_whenNoVariables_isNil() throws {
        #expect(try ContainerCredentialEndpoint.resolve(environment: ["AWS_REGION": "us-east-1"]) == nil)
    }

    /// Full URIs on allowed hosts, loopback addresses, or https are accepted.
    @Test(arguments: [
        "http://127.0.0.1:8080/creds", "http://127.0.0.5/creds", "http://localhost/creds", "http://[::1]:80/creds",
        "http://169.254.170.2/creds", "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/creds",
        "https://credentials.example.com/creds",
    ])
    func resolve_whenFullURIAllowed_acceptsIt(_ uri: String) throws {
        // Given / When
        let endpoint = try ContainerCredentialEndpoint.resolve(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": uri])

        // Then
        #expect(endpoint?.url.absoluteString == uri)
    }

    /// Plain http to any other host is refused, naming the variable.
    @Test(arguments: ["http://169.254.169.254/latest", "http://example.com/creds", "http://10.0.0.1/creds", "http://127.0.0.1.example.com/x"])
    func resolve_whenFullURIHostNotAllowed_throws(_ uri: String) {
        // Given / When
        let error = #expect(throws: ConfigurationError.self) {
            try ContainerCredentialEndpoint.resolve(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": uri])
        }

        // Then
        #expect(error?.key == "AWS_CONTAINER_CREDENTIALS_FULL_URI")
    }

    /// The token file beats the token variable.
    @Test func resolve_whenTokenFileAndToken_prefersFile() throws {
        // Given / When
        let endpoint = try ContainerCredentialEndpoint.resolve(environment: [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1/creds",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/var/run/token",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "inline",
        ])

        // Then
        #expect(endpoint?.authorization == .file("/var/run/token"))
    }

    /// A token with a line break is rejected (header injection).
    @Test func resolve_whenTokenHasNewline_throws() {
        // Given / When
        let error = #expect(throws: AWSCredentialError.self) {
            try ContainerCredentialEndpoint.resolve(environment: [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1/creds",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "abc\r\nX-Evil: 1",
            ])
        }

        // Then
        #expect(error?.code == .invalidConfiguration)
    }

    /// Printing the authorization source does not show the token.
    @Test func description_whenInlineToken_redactsIt() {
        #expect(!"\(ContainerCredentialEndpoint.AuthorizationSource.token("s3cr3t"))".contains("s3cr3t"))
    }
}
