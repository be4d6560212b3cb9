import AWS
import ErrorClassification
import Foundation
import Testing

/// Endpoint and region resolution from the environment.
struct AWSEndpointsTests {
    /// Without overrides, endpoints are the public regional ones.
    @Test func resolve_whenNoOverrides_usesDefaultEndpoints() throws {
        // Given / When
        let endpoints = try AWSEndpoints(environment: ["AWS_REGION": "eu-west-1"])

        // Then
        #expect(endpoints.region == "eu-west-1")
        #expect(endpoints.secretsManager.absoluteString == "https://secretsmanager.eu-west-1.amazonaws.com")
        #expect(endpoints.ecs.absoluteString == "https://ecs.eu-west-1.amazonaws.com")
    }

    /// `AWS_ENDPOINT_URL` applies to all services; the service-specific variable beats it.
    @Test func resolve_whenGlobalAndServiceOverride_serviceWins() throws {
        // Given
        let environment = [
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:15000",
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:16000",
        ]

        // When
        let endpoints = try AWSEndpoints(environment: environment)

        // Then
        #expect(endpoints.secretsManager.absoluteString == "http://127.0.0.1:16000")
        #expect(endpoints.ecs.absoluteString == "http://127.0.0.1:15000")
    }

    /// `AWS_ENDPOINT_URL_ECS` overrides only ECS.
    @Test func resolve_whenECSOverride_onlyECSChanges() throws {
        // Given / When
        let endpoints = try AWSEndpoints(environment: ["AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_ECS": "http://localhost:4566"])

        // Then
        #expect(endpoints.ecs.absoluteString == "http://localhost:4566")
        #expect(endpoints.secretsManager.absoluteString == "https://secretsmanager.us-east-1.amazonaws.com")
    }

    /// `AWS_REGION` beats `AWS_DEFAULT_REGION`.
    @Test func resolve_whenBothRegionVariables_prefersAWSRegion() throws {
        // Given / When
        let endpoints = try AWSEndpoints(environment: ["AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "us-west-2"])

        // Then
        #expect(endpoints.region == "eu-central-1")
    }

    /// No region fails naming the variable.
    @Test func resolve_whenNoRegion_throwsNamingKey() {
        // Given / When / Then
        #expect(throws: ConfigurationError.aws(key: "AWS_REGION", reason: "no region set (AWS_REGION or AWS_DEFAULT_REGION)")) {
            try AWSEndpoints(environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:1"])
        }
    }

    /// A malformed override fails naming the variable.
    @Test func resolve_whenOverrideNotAURL_throwsNamingKey() {
        // Given / When
        let error = #expect(throws: ConfigurationError.self) {
            try AWSEndpoints(environment: ["AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_ECS": "not a url"])
        }

        // Then
        #expect(error?.key == "AWS_ENDPOINT_URL_ECS")
    }

    /// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` disables the overrides.
    @Test func resolve_whenIgnoreConfiguredEndpoints_usesDefaults() throws {
        // Given / When
        let endpoints = try AWSEndpoints(environment: [
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:15000",
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
        ])

        // Then
        #expect(endpoints.ecs.absoluteString == "https://ecs.us-east-1.amazonaws.com")
    }
}
