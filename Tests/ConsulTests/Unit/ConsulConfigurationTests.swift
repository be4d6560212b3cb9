@testable import Consul
import ErrorClassification
import Testing

struct ConsulConfigurationTests {
    /// With no variables set, the client talks to the local agent without a token.
    @Test func initEnvironment_whenEmpty_usesLocalAgentDefaults() throws {
        // Given / When
        let configuration = try ConsulConfiguration(environment: [:])

        // Then
        #expect(configuration.endpoint == ConsulEndpoint(scheme: .http, host: "127.0.0.1", port: 8500))
        #expect(configuration.token == nil)
        #expect(configuration.certificateAuthority == nil)
        #expect(configuration.verifyCertificates)
    }

    /// Each address form Consul's CLI accepts yields the same endpoint it would use.
    @Test(arguments: [
        ("127.0.0.1:18500", "false", "http://127.0.0.1:18500"),
        ("http://127.0.0.1:18500", "false", "http://127.0.0.1:18500"),
        ("http://127.0.0.1:18500/", "false", "http://127.0.0.1:18500"),
        ("https://consul.internal:8501", "false", "https://consul.internal:8501"),
        ("HTTPS://consul.internal:8501", "false", "https://consul.internal:8501"),
        ("consul.internal:8501", "true", "https://consul.internal:8501"),
        ("http://consul.internal:8500", "true", "http://consul.internal:8500"),
        ("consul.internal", "false", "http://consul.internal:80"),
        ("https://consul.internal", "false", "https://consul.internal:443"),
        ("[::1]:8500", "false", "http://[::1]:8500"),
        ("https://[fd00::1]", "false", "https://[fd00::1]:443"),
        ("::1", "false", "http://[::1]:80"),
    ])
    func initEnvironment_whenAddressForm_parsesEndpoint(address: String, ssl: String, expected: String) throws {
        // Given
        let environment = ["CONSUL_HTTP_ADDR": address, "CONSUL_HTTP_SSL": ssl]

        // When
        let configuration = try ConsulConfiguration(environment: environment)

        // Then
        #expect(configuration.endpoint.description == expected)
    }

    /// `CONSUL_HTTP_SSL` alone switches the default local address to HTTPS.
    @Test func initEnvironment_whenOnlySSLSet_usesHTTPSLocalAgent() throws {
        // Given / When
        let configuration = try ConsulConfiguration(environment: ["CONSUL_HTTP_SSL": "1"])

        // Then
        #expect(configuration.endpoint.description == "https://127.0.0.1:8500")
    }

    /// Addresses the client cannot use are rejected, naming the key.
    @Test(arguments: [
        "unix:///var/run/consul.sock", "ftp://consul:21", "consul:http", "consul:0", "consul:70000",
        "http://consul:8500/v1", "[::1", "http://:8500",
    ])
    func initEnvironment_whenAddressInvalid_throwsNamingKey(address: String) {
        // Given / When / Then
        let error = #expect(throws: ConfigurationError.self) {
            try ConsulConfiguration(environment: ["CONSUL_HTTP_ADDR": address])
        }
        #expect(error?.key == "CONSUL_HTTP_ADDR")
    }

    /// A boolean that is not one of Go's spellings fails fast instead of being ignored.
    @Test func initEnvironment_whenSSLNotBoolean_throwsNamingKey() {
        // Given / When / Then
        let error = #expect(throws: ConfigurationError.self) {
            try ConsulConfiguration(environment: ["CONSUL_HTTP_SSL": "yes please"])
        }
        #expect(error?.key == "CONSUL_HTTP_SSL")
    }

    /// The token is read from `CONSUL_HTTP_TOKEN`; an empty value means no token.
    @Test func initEnvironment_whenTokenSet_keepsItAndEmptyMeansNone() throws {
        // Given / When
        let withToken = try ConsulConfiguration(environment: ["CONSUL_HTTP_TOKEN": " secret-1 "])
        let empty = try ConsulConfiguration(environment: ["CONSUL_HTTP_TOKEN": ""])

        // Then
        #expect(withToken.token == ConsulToken("secret-1"))
        #expect(empty.token == nil)
    }

    /// `CONSUL_CACERT` (a file) wins over `CONSUL_CACERT_PEM`; verification can be turned off.
    @Test func initEnvironment_whenCASettings_picksFileThenPEM() throws {
        // Given
        let both = ["CONSUL_CACERT": "/etc/consul/ca.pem", "CONSUL_CACERT_PEM": "-----BEGIN..."]
        let pemOnly = ["CONSUL_CACERT_PEM": "-----BEGIN...", "CONSUL_HTTP_SSL_VERIFY": "false"]

        // When
        let fromFile = try ConsulConfiguration(environment: both)
        let fromPEM = try ConsulConfiguration(environment: pemOnly)

        // Then
        #expect(fromFile.certificateAuthority == .file(path: "/etc/consul/ca.pem"))
        #expect(fromFile.verifyCertificates)
        #expect(fromPEM.certificateAuthority == .pem("-----BEGIN..."))
        #expect(!fromPEM.verifyCertificates)
    }

    /// `with(token:)` changes only the token.
    @Test func withToken_whenCalled_replacesOnlyToken() throws {
        // Given
        let base = try ConsulConfiguration(environment: ["CONSUL_HTTP_ADDR": "10.0.0.1:8500", "CONSUL_HTTP_TOKEN": "a"])

        // When
        let other = base.with(token: ConsulToken("b"))

        // Then
        #expect(other.token == ConsulToken("b"))
        #expect(other.endpoint == base.endpoint)
        #expect(base.token == ConsulToken("a"))
    }
}
