import AsyncHTTPClient
import Consul
import ErrorClassification
import Logging
import NIOCore
import Testing

struct ConsulClientTransportTests {
    /// A self-signed CA (EC P-256, valid until 2126) to prove PEM loading.
    static let caPEM = """
        -----BEGIN CERTIFICATE-----
        MIIBizCCATGgAwIBAgIUDdWCpmCWMRNQqXHh3crl/bn0ywMwCgYIKoZIzj0EAwIw
        GjEYMBYGA1UEAwwPY29uc3VsLXRlc3RzLWNhMCAXDTI2MTEyMjExMzIzMFoYDzIx
        MjYxMDI5MTEzMjMwWjAaMRgwFgYDVQQDDA9jb25zdWwtdGVzdHMtY2EwWTATBgcq
        hkjOPQIBBggqhkjOPQMBBwNCAATj8xxbNbkzIM7ScbVjkPmbnP/pdBk6ZfJfkaeT
        ROS4vsyw1yWBPawv8tS1xbQYFRbhuMCwN4rPhJAnBFDuQEQFo1MwUTAdBgNVHQ4E
        FgQUJliDjJrQsjLqgETGkEmBUTg6hH4wHwYDVR0jBBgwFoAUJliDjJrQsjLqgETG
        kEmBUTg6hH4wDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEApgJj
        pRGZYfGLGMY7XOvszJIr2uK5+ipoj3IlQ0AaKV4CIDhVS1yCkImuEogmnR+yYbfB
        l4Ic+dwKbc8oQvYoVG9j
        -----END CERTIFICATE-----
        """

    /// A client pointed at a port nobody listens on reports Consul as unavailable, within the deadline.
    @Test func tokenSelf_whenConsulDown_throwsUnavailable() async throws {
        // Given: port 1 on loopback refuses connections (privileged, never bound by tests)
        let configuration = try ConsulConfiguration(
            environment: ["CONSUL_HTTP_ADDR": "127.0.0.1:1", "CONSUL_HTTP_TOKEN": "down-test-secret"])
        let consul = try ConsulClient(httpClient: .shared, configuration: configuration)
        let started = ContinuousClock.now

        // When
        let error = await #expect(throws: ConsulError.self) {
            _ = try await consul.tokenSelf(deadline: .now() + .milliseconds(500), logger: Logger(label: "test"))
        }

        // Then
        #expect(error?.code == .unavailable)
        #expect(error?.isRetryable == true)
        #expect(error?.path == "/v1/acl/token/self")
        #expect(error.map { !"\($0)".contains("down-test-secret") } == true)
        #expect(ContinuousClock.now - started < .seconds(30), "the deadline must end the call, not a hang")
    }

    /// A CA given as PEM text or file loads; a missing file fails at construction, naming the key.
    @Test func init_whenCACertificate_loadsOrFailsNamingKey() throws {
        // Given
        let pem = try ConsulConfiguration(environment: [
            "CONSUL_HTTP_ADDR": "https://127.0.0.1:8501", "CONSUL_CACERT_PEM": Self.caPEM,
        ])
        let missing = try ConsulConfiguration(environment: [
            "CONSUL_HTTP_ADDR": "https://127.0.0.1:8501", "CONSUL_CACERT": "/nonexistent/ca.pem",
        ])
        let garbage = try ConsulConfiguration(environment: [
            "CONSUL_HTTP_ADDR": "https://127.0.0.1:8501", "CONSUL_CACERT_PEM": "not a certificate",
        ])

        // When / Then
        _ = try ConsulClient(httpClient: .shared, configuration: pem)
        let missingError = #expect(throws: ConfigurationError.self) {
            try ConsulClient(httpClient: .shared, configuration: missing)
        }
        #expect(missingError?.key == "CONSUL_CACERT")
        let garbageError = #expect(throws: ConfigurationError.self) {
            try ConsulClient(httpClient: .shared, configuration: garbage)
        }
        #expect(garbageError?.key == "CONSUL_CACERT_PEM")
    }
}
