import AsyncHTTPClient
import NIOCore

/// The one outbound HTTP client of the process, shared by the Consul and AWS clients.
///
/// One connection pool for everything keeps connections to Consul and AWS warm between calls
/// (a registration is several Consul calls in a row). Timeouts bound every call even when a caller
/// passes no deadline. The app shuts it down after the service group has stopped.
enum OutboundHTTPClient {
    /// Connect timeout: loopback or in-VPC endpoints answer in milliseconds; fail fast when one is down.
    static let connectTimeout = TimeAmount.seconds(3)
    /// Read timeout: longer than any call we make (Consul blocks up to its own limits only on
    /// blocking queries, which the workers do not use).
    static let readTimeout = TimeAmount.seconds(30)
    /// Idle connections are kept this long.
    static let idleTimeout = TimeAmount.seconds(60)
    /// Connections per host: enough for every worker slot plus resync and the credential endpoint.
    static let connectionsPerHost = 32

    static func make() -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: connectTimeout, read: readTimeout),
            connectionPool: .init(idleTimeout: idleTimeout, concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        )
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }
}
