import Foundation
import OpaqueJSON

extension ConsulECSConfig {
    /// Parses `CONSUL_ECS_CONFIG_JSON` the way consul-ecs's `config/schema.json` describes it.
    ///
    /// Errors name the first bad field; fields consul-ecs requires only for its own containers
    /// (`bootstrapDir`, `consulServers`) are not required here.
    /// - Throws: ``ConsulECSConfigError``: invalid JSON, a value of the wrong type, a bad port, a
    ///   name that breaks the schema's pattern, a missing required field.
    public static func parse(_ text: String) throws(ConsulECSConfigError) -> ConsulECSConfig {
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw ConsulECSConfigError(field: "", reason: "is not valid JSON")
        }
        var parser = ConsulECSConfigParser()
        return try parser.parse(document)
    }
}

/// Walks the document once, collecting warnings as it goes.
private struct ConsulECSConfigParser {
    var warnings: [ConsulECSConfigWarning] = []

    /// consul-ecs's pattern for service and gateway names: `(^$)|(^[a-z0-9]([a-z0-9-_]*[a-z0-9])?$)`.
    static func isSchemaName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        func isAlnum(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) }
        guard let first = bytes.first, let last = bytes.last else { return true }
        return isAlnum(first) && isAlnum(last) && bytes.allSatisfy { isAlnum($0) || $0 == 0x2D || $0 == 0x5F }
    }

    mutating func parse(_ document: JSONValue) throws(ConsulECSConfigError) -> ConsulECSConfig {
        var top = try JSONFieldReader(document, path: "")
        for key in ["logLevel", "bootstrapDir", "consulServers", "controller"] { _ = top.value(key) }
        var config = ConsulECSConfig()
        if let login = try top.object("consulLogin") {
            var login = login
            if try login.bool("enabled") == true {
                warn(top.path(of: "consulLogin"), "the IAM auth method login is not used: the controller provisions "
                    + "the service token and stores it in Secrets Manager")
            }
        }
        if let service = try top.object("service") { config.service = try parseService(service) }
        if let proxy = try top.object("proxy") { config.proxy = try parseProxy(proxy) }
        if let gateway = try top.object("gateway") { config.gateway = try parseGateway(gateway) }
        config.healthSyncContainers = try top.uniqueStrings("healthSyncContainers")
        if let transparent = try top.object("transparentProxy") {
            var transparent = transparent
            if try transparent.bool("enabled") ?? true {
                warn(transparent.path, "transparent proxy is not set up by this controller; the application "
                    + "reaches its upstreams through their localBindPort")
            }
        }
        if config.gateway != nil, config.service != nil {
            warn("service", "ignored: the task is registered as its gateway")
        }
        warnings += top.unknownKeyWarnings()
        config.warnings = warnings
        return config
    }

    private mutating func parseService(_ reader: JSONFieldReader) throws(ConsulECSConfigError) -> ConsulECSConfig.Service {
        var reader = reader
        let name = try schemaName(&reader)
        guard let port = try reader.port("port", range: 0...65535) else {
            throw ConsulECSConfigError(field: reader.path(of: "port"), reason: "is required")
        }
        var service = ConsulECSConfig.Service(name: name, port: port)
        service.tags = try reader.uniqueStrings("tags") ?? []
        service.meta = try reader.stringMap("meta") ?? [:]
        service.enableTagOverride = try reader.bool("enableTagOverride") ?? false
        if var weights = try reader.object("weights") {
            let passing = try weights.requiredInt("passing")
            let warning = try weights.requiredInt("warning")
            guard passing >= 1 else {
                throw ConsulECSConfigError(field: weights.path(of: "passing"), reason: "\(passing) is not a weight (at least 1)")
            }
            guard warning >= 0 else {
                throw ConsulECSConfigError(field: weights.path(of: "warning"), reason: "\(warning) is not a weight (at least 0)")
            }
            service.weights = ServiceWeights(passing: passing, warning: warning)
            warnings += weights.unknownKeyWarnings()
        }
        try enterpriseOnly(&reader, keys: ["namespace", "partition"])
        if reader.value("networkResilienceConfig") != nil {
            warn(reader.path(of: "networkResilienceConfig"), "outlier detection is not configured by this controller")
        }
        warnings += reader.unknownKeyWarnings()
        return service
    }

    private mutating func parseProxy(_ reader: JSONFieldReader) throws(ConsulECSConfigError) -> ConsulECSConfig.Proxy {
        var reader = reader
        var proxy = ConsulECSConfig.Proxy()
        proxy.publicListenerPort = try reader.port("publicListenerPort")
        proxy.localServiceAddress = try reader.string("localServiceAddress").flatMap { $0.isEmpty ? nil : $0 }
        proxy.config = try reader.opaqueObject("config")
        proxy.meshGateway = try meshGatewayMode(&reader)
        _ = reader.value("healthCheckPort")  // the readiness port of consul-ecs's Envoy; not registered
        _ = reader.value("expose")
        var boundPorts: [Int: Int] = [:]
        proxy.upstreams = try reader.array("upstreams") { (item, path) throws(ConsulECSConfigError) in
            let upstream = try parseUpstream(JSONFieldReader(item, path: path))
            if let first = boundPorts.updateValue(boundPorts.count, forKey: upstream.localBindPort) {
                throw ConsulECSConfigError(field: "\(path).localBindPort",
                                           reason: "\(upstream.localBindPort) is already bound by upstream [\(first)]")
            }
            return upstream
        }
        warnings += reader.unknownKeyWarnings()
        return proxy
    }

    private mutating func parseUpstream(_ reader: JSONFieldReader) throws(ConsulECSConfigError) -> MeshUpstream {
        var reader = reader
        guard let name = try reader.string("destinationName"), !name.isEmpty else {
            throw ConsulECSConfigError(field: reader.path(of: "destinationName"), reason: "is required")
        }
        guard let port = try reader.port("localBindPort") else {
            throw ConsulECSConfigError(field: reader.path(of: "localBindPort"), reason: "is required")
        }
        var upstream = MeshUpstream(destinationName: name, localBindPort: port)
        upstream.datacenter = try reader.string("datacenter").flatMap { $0.isEmpty ? nil : $0 }
        upstream.meshGateway = try meshGatewayMode(&reader)
        upstream.localBindAddress = try reader.string("localBindAddress").flatMap { $0.isEmpty ? nil : $0 }
        upstream.destinationType = try reader.oneOf("destinationType", UpstreamDestinationType.self)?.rawValue
        upstream.config = try reader.opaqueObject("config")
        try enterpriseOnly(&reader, keys: ["destinationNamespace", "destinationPartition"])
        if let peer = try reader.string("destinationPeer"), !peer.isEmpty {
            warn(reader.path(of: "destinationPeer"), "cluster peering needs Consul 1.13; the upstream is looked up locally")
        }
        warnings += reader.unknownKeyWarnings()
        return upstream
    }

    private mutating func parseGateway(_ reader: JSONFieldReader) throws(ConsulECSConfigError) -> ConsulECSConfig.Gateway {
        var reader = reader
        guard let kind = try reader.oneOf("kind", GatewayKind.self) else {
            throw ConsulECSConfigError(field: reader.path(of: "kind"), reason: "is required")
        }
        var gateway = ConsulECSConfig.Gateway(kind: kind, name: try schemaName(&reader))
        gateway.lanAddress = try gatewayAddress(&reader, "lanAddress")
        gateway.wanAddress = try gatewayAddress(&reader, "wanAddress")
        gateway.tags = try reader.uniqueStrings("tags") ?? []
        gateway.meta = try reader.stringMap("meta") ?? [:]
        if var proxy = try reader.object("proxy") {
            gateway.proxyConfig = try proxy.opaqueObject("config")
            warnings += proxy.unknownKeyWarnings()
        }
        _ = reader.value("healthCheckPort")
        try enterpriseOnly(&reader, keys: ["namespace", "partition"])
        warnings += reader.unknownKeyWarnings()
        return gateway
    }

    private mutating func gatewayAddress(_ reader: inout JSONFieldReader, _ key: String)
        throws(ConsulECSConfigError) -> ConsulECSConfig.GatewayAddress? {
        guard var address = try reader.object(key) else { return nil }
        let result = ConsulECSConfig.GatewayAddress(
            address: try address.string("address").flatMap { $0.isEmpty ? nil : $0 }, port: try address.port("port"))
        warnings += address.unknownKeyWarnings()
        return result
    }

    private func schemaName(_ reader: inout JSONFieldReader) throws(ConsulECSConfigError) -> String? {
        guard let name = try reader.string("name") else { return nil }
        guard Self.isSchemaName(name) else {
            throw ConsulECSConfigError(field: reader.path(of: "name"),
                                       reason: "\"\(name)\" is not a service name (a-z, 0-9, '-', '_'; starting and ending with a-z or 0-9)")
        }
        return name.isEmpty ? nil : name
    }

    private func meshGatewayMode(_ reader: inout JSONFieldReader) throws(ConsulECSConfigError) -> MeshGatewayMode? {
        guard var meshGateway = try reader.object("meshGateway") else { return nil }
        guard let mode = try meshGateway.oneOf("mode", MeshGatewayMode.self) else {
            throw ConsulECSConfigError(field: meshGateway.path(of: "mode"), reason: "is required")
        }
        return mode
    }

    /// Namespaces and partitions need Consul Enterprise: a value other than empty or `default` is a warning.
    private mutating func enterpriseOnly(_ reader: inout JSONFieldReader, keys: [String]) throws(ConsulECSConfigError) {
        for key in keys {
            if let value = try reader.string(key), !value.isEmpty, value != "default" {
                warn(reader.path(of: key), "\"\(value)\" needs Consul Enterprise; the default is used")
            }
        }
    }

    private mutating func warn(_ field: String, _ message: String) {
        warnings.append(ConsulECSConfigWarning(field: field, message: message))
    }
}

/// `proxy.upstreams[].destinationType`.
private enum UpstreamDestinationType: String, CaseIterable {
    case service
    case preparedQuery = "prepared_query"
}
