public import MeshModel
import OpaqueJSON

/// A node of the catalog, as Consul returns it.
public struct CatalogNode: Sendable, Equatable, Decodable {
    public var node: String
    public var address: String
    public var datacenter: String
    public var meta: [String: String]
    public var createIndex: UInt64?
    public var modifyIndex: UInt64?

    public init(node: String, address: String, datacenter: String = "", meta: [String: String] = [:]) {
        self.node = node
        self.address = address
        self.datacenter = datacenter
        self.meta = meta
    }

    enum CodingKeys: String, CodingKey {
        case node = "Node", address = "Address", datacenter = "Datacenter", meta = "Meta"
        case createIndex = "CreateIndex", modifyIndex = "ModifyIndex"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        node = try container.decode(String.self, forKey: .node)
        address = container.lenient(.address, default: "")
        datacenter = container.lenient(.datacenter, default: "")
        meta = container.lenient(.meta, default: [:])
        createIndex = container.lenient(.createIndex)
        modifyIndex = container.lenient(.modifyIndex)
    }
}

/// A node and the services on it (`GET /v1/catalog/node-services/:node`).
public struct CatalogNodeServices: Sendable, Equatable, Decodable {
    public var node: CatalogNode
    public var services: [CatalogService]

    public init(node: CatalogNode, services: [CatalogService]) {
        self.node = node
        self.services = services
    }

    enum CodingKeys: String, CodingKey { case node = "Node", services = "Services" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        node = try container.decode(CatalogNode.self, forKey: .node)
        services = container.lenient(.services, default: [])
    }
}

/// The answer of node-services, where Consul 1.8 reports an unknown node as `{"Node": null}`.
struct NodeServicesAnswer: Sendable, Decodable {
    var nodeServices: CatalogNodeServices?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CatalogNodeServices.CodingKeys.self)
        let present = try container.decodeNil(forKey: .node) == false
        nodeServices = present ? try CatalogNodeServices(from: decoder) : nil
    }
}
