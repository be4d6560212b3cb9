import ByteCoding
package import MeshModel

/// Writes the `containers_json` column without `JSONEncoder`, which costs more than the rest of an
/// append on the hot path. The output is the JSON the synthesized `Codable` conformance reads back
/// (absent optionals omitted), so reading still uses `JSONDecoder`.
package enum ContainerJSON {
    package static func encode(_ containers: [ContainerState]) -> String {
        guard !containers.isEmpty else { return "[]" }
        var json: [UInt8] = []
        json.reserveCapacity(containers.count * 64)
        json.append(UInt8(ascii: "["))
        for (index, container) in containers.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            json.append(contentsOf: #"{"name":"#.utf8)
            JSONString.appendQuoted(container.name, to: &json)
            if let lastStatus = container.lastStatus {
                json.append(contentsOf: #","lastStatus":"#.utf8)
                JSONString.appendQuoted(lastStatus, to: &json)
            }
            if let exitCode = container.exitCode {
                json.append(contentsOf: #","exitCode":\#(exitCode)"#.utf8)
            }
            if let healthStatus = container.healthStatus {
                json.append(contentsOf: #","healthStatus":"#.utf8)
                JSONString.appendQuoted(healthStatus, to: &json)
            }
            json.append(UInt8(ascii: "}"))
        }
        json.append(UInt8(ascii: "]"))
        return String(decoding: json, as: UTF8.self)
    }
}
