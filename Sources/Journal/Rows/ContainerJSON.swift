import MeshModel

/// Writes the `containers_json` column without `JSONEncoder`, which costs more than the rest of an
/// append on the hot path. The output is the JSON the synthesized `Codable` conformance reads back
/// (absent optionals omitted), so reading still uses `JSONDecoder`.
enum ContainerJSON {
    static func encode(_ containers: [ContainerState]) -> String {
        guard !containers.isEmpty else { return "[]" }
        var json = "["
        for (index, container) in containers.enumerated() {
            if index > 0 { json += "," }
            json += "{\"name\":"
            appendString(container.name, to: &json)
            if let lastStatus = container.lastStatus {
                json += ",\"lastStatus\":"
                appendString(lastStatus, to: &json)
            }
            if let exitCode = container.exitCode {
                json += ",\"exitCode\":\(exitCode)"
            }
            if let healthStatus = container.healthStatus {
                json += ",\"healthStatus\":"
                appendString(healthStatus, to: &json)
            }
            json += "}"
        }
        return json + "]"
    }

    /// Appends `value` as a JSON string literal (RFC 8259 escaping).
    static func appendString(_ value: String, to json: inout String) {
        json += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\n": json += "\\n"
            case "\r": json += "\\r"
            case "\t": json += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: json.unicodeScalars.append(scalar)
            }
        }
        json += "\""
    }
}
