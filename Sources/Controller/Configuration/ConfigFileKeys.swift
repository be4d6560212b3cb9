import Foundation
import Yams

/// The keys a configuration file sets, dotted from the root (`server: {public: {port: 1}}` sets
/// `server.public.port`), so that ``ConfigKeyRegistry`` can name the ones no setting reads.
enum ConfigFileKeys {
    /// Reads and parses a `.json`, `.yaml` or `.yml` file.
    /// - Throws: When the file cannot be read or parsed.
    static func keys(ofFileAt path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let root: Any?
        if path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
            root = try Yams.load(yaml: text)
        } else {
            root = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        }
        guard let root else { return [] }
        return leaves(of: root, path: "")
    }

    /// Every path that ends in a value other than a mapping (a scalar, a list, `null`).
    static func leaves(of value: Any, path: String) -> [String] {
        let members: [(String, Any)]
        if let object = value as? [String: Any] {
            members = object.map { ($0.key, $0.value) }
        } else if let mapping = value as? [AnyHashable: Any] {
            members = mapping.map { (String(describing: $0.key.base), $0.value) }
        } else {
            return path.isEmpty ? [] : [path]
        }
        return members.flatMap { key, child in leaves(of: child, path: path.isEmpty ? key : path + "." + key) }
    }
}
