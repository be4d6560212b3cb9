/// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and optionally `AWS_SESSION_TOKEN`
/// (legacy alias `AWS_SECURITY_TOKEN`) and `AWS_CREDENTIAL_EXPIRATION` (ISO 8601), as botocore reads them.
///
/// The environment is captured at init; the library never reads the process environment itself.
public struct EnvironmentCredentialProvider: AWSCredentialProvider {
    private let result: Result<AWSCredentials, AWSCredentialError>

    /// Captures credentials from `environment`.
    public init(environment: [String: String]) {
        let accessKey = Self.value(environment["AWS_ACCESS_KEY_ID"])
        let secretKey = Self.value(environment["AWS_SECRET_ACCESS_KEY"])
        switch (accessKey, secretKey) {
        case (nil, nil):
            result = .failure(AWSCredentialError(.notConfigured, "AWS_ACCESS_KEY_ID is not set"))
        case (_, nil):
            result = .failure(AWSCredentialError(.invalidConfiguration, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"))
        case (nil, _):
            result = .failure(AWSCredentialError(.invalidConfiguration, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"))
        case let (accessKey?, secretKey?):
            let expiration = Self.value(environment["AWS_CREDENTIAL_EXPIRATION"]).flatMap(AWSTimestamp.parse(iso8601:))
            result = .success(AWSCredentials(
                accessKeyID: accessKey, secretAccessKey: secretKey,
                sessionToken: Self.value(environment["AWS_SESSION_TOKEN"]) ?? Self.value(environment["AWS_SECURITY_TOKEN"]),
                expiration: expiration
            ))
        }
    }

    public func credentials() async throws -> AWSCredentials {
        try result.get()
    }

    private static func value(_ raw: String?) -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        return raw
    }
}
