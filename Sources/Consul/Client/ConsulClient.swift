public import AsyncHTTPClient
public import ErrorClassification
import NIOSSL

/// A client for the Consul 1.8 HTTP API (ACL tokens and policies, catalog, health).
///
/// A small value: it holds the injected, shared `HTTPClient` (whose pool reuses connections) and the
/// configuration. Copies are cheap, so ``with(token:)`` makes a client that acts with another token.
/// Every call takes a `logger:` and a deadline (default: now + ``ConsulConfiguration/requestTimeout``),
/// and throws ``ConsulError``. Safe to use from any task.
///
/// ```swift
/// let consul = try ConsulClient(
///     httpClient: .shared,
///     configuration: ConsulConfiguration(environment: ProcessInfo.processInfo.environment))
/// let health = try await consul.serviceHealth("web", logger: logger)
/// ```
public struct ConsulClient: Sendable {
    /// Endpoint, token and bounds in use.
    public let configuration: ConsulConfiguration
    let httpClient: HTTPClient
    /// Per-request TLS settings for an `https` endpoint (the pool keys connections by them).
    let tlsConfiguration: TLSConfiguration?
    /// Told about every call when it has finished (metrics); `nil` by default.
    public var callObserver: (any ConsulCallObserver)?
    /// Asked right before every write (any method but GET) goes on the wire; when it throws, the
    /// call fails with ``ConsulError/Code/fenced`` and sends nothing. The controller's replicas pass
    /// their lease check here, so that a leader frozen past its lease and then resumed sends no
    /// write it had not already sent (docs/leader-election.md, "Fencing"). `nil` by default.
    public var writeGate: (@Sendable () throws -> Void)?

    /// Creates a client; loads the CA of an `https` endpoint now, so a bad file fails at startup.
    /// - Parameters:
    ///   - httpClient: the process's shared client; this type never shuts it down.
    ///   - configuration: where Consul is and how to authenticate.
    /// - Throws: ``ConfigurationError`` when the CA cannot be read or parsed.
    public init(httpClient: HTTPClient, configuration: ConsulConfiguration) throws(ConfigurationError) {
        self.httpClient = httpClient
        self.configuration = configuration
        self.tlsConfiguration =
            configuration.endpoint.scheme == .https ? try Self.makeTLSConfiguration(configuration) : nil
    }

    private init(httpClient: HTTPClient, configuration: ConsulConfiguration, tls: TLSConfiguration?) {
        self.httpClient = httpClient
        self.configuration = configuration
        self.tlsConfiguration = tls
    }

    /// A client that sends `token` instead (e.g. a service's own token, to prove what it may do).
    public func with(token: ConsulToken?) -> ConsulClient {
        var client = ConsulClient(httpClient: httpClient, configuration: configuration.with(token: token), tls: tlsConfiguration)
        client.callObserver = callObserver
        client.writeGate = writeGate
        return client
    }

    private static func makeTLSConfiguration(
        _ configuration: ConsulConfiguration
    ) throws(ConfigurationError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if !configuration.verifyCertificates {
            tls.certificateVerification = .none
        }
        switch configuration.certificateAuthority {
        case nil:
            break
        case .file(let path):
            do {
                // Like Consul's Go client: the given CA replaces the system roots.
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
            } catch {
                throw ConfigurationError.consul(key: "CONSUL_CACERT", reason: "cannot load PEM file \(path): \(error)")
            }
        case .pem(let text):
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(text.utf8)))
            } catch {
                throw ConfigurationError.consul(key: "CONSUL_CACERT_PEM", reason: "cannot parse PEM: \(error)")
            }
        }
        return tls
    }
}
