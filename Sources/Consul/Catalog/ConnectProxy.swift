/// The `Proxy` block of a sidecar proxy registration.
public struct ConnectProxy: Sendable, Equatable, Codable {
    public var destinationServiceName: String
    public var destinationServiceID: String
    public var localServiceAddress: String
    /// The application's port behind the proxy; 0 for an outbound-only service.
    public var localServicePort: Int
    public var upstreams: [Upstream]

    /// A service this proxy forwards to, listening on `localBindPort` on loopback.
    public struct Upstream: Sendable, Hashable, Codable {
        public var destinationName: String
        public var localBindPort: Int

        public init(destinationName: String, localBindPort: Int) {
            self.destinationName = destinationName
            self.localBindPort = localBindPort
        }

        enum CodingKeys: String, CodingKey {
            case destinationName = "DestinationName", localBindPort = "LocalBindPort"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            destinationName = try container.decode(String.self, forKey: .destinationName)
            localBindPort = container.lenient(.localBindPort, default: 0)
        }
    }

    public init(
        destinationServiceName: String, destinationServiceID: String, localServiceAddress: String = "127.0.0.1",
        localServicePort: Int, upstreams: [Upstream] = []
    ) {
        self.destinationServiceName = destinationServiceName
        self.destinationServiceID = destinationServiceID
        self.localServiceAddress = localServiceAddress
        self.localServicePort = localServicePort
        self.upstreams = upstreams
    }

    enum CodingKeys: String, CodingKey {
        case destinationServiceName = "DestinationServiceName", destinationServiceID = "DestinationServiceID"
        case localServiceAddress = "LocalServiceAddress", localServicePort = "LocalServicePort"
        case upstreams = "Upstreams"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        destinationServiceName = container.lenient(.destinationServiceName, default: "")
        destinationServiceID = container.lenient(.destinationServiceID, default: "")
        localServiceAddress = container.lenient(.localServiceAddress, default: "")
        localServicePort = container.lenient(.localServicePort, default: 0)
        upstreams = container.lenient(.upstreams, default: [])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(destinationServiceName, forKey: .destinationServiceName)
        try container.encode(destinationServiceID, forKey: .destinationServiceID)
        try container.encode(localServiceAddress, forKey: .localServiceAddress)
        try container.encode(localServicePort, forKey: .localServicePort)
        try container.encodeUnlessEmpty(upstreams, forKey: .upstreams)
    }
}
