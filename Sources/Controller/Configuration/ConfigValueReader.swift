import Configuration
import ErrorClassification
import Foundation

/// Reads typed values and turns "present but unusable" into an error that names the key, where
/// swift-configuration's default-taking getters would silently fall back to the default.
///
/// Every key it is asked for is recorded in its ``ConfigKeyRegistry``: the registry of known keys
/// is whatever the settings read, so a key added to a section is known without a second list.
struct ConfigValueReader {
    var reader: ConfigReader
    /// Where the keys read are recorded; `nil` for the well-known names (`CONSUL_HTTP_ADDR`, …),
    /// which are not `MESH_` variables.
    var registry: ConfigKeyRegistry?

    func string(_ key: String, default fallback: String) throws(ConfigurationError) -> String {
        try optionalString(key) ?? fallback
    }

    /// The first of `keys` set here, else `ownKey` (default: the first key) in `fallback`.
    func firstString(_ keys: [String], then fallback: ConfigValueReader, ownKey: String? = nil) throws(ConfigurationError) -> String? {
        // Known whether or not a well-known name wins.
        fallback.registry?.note(ownKey ?? keys[0])
        for key in keys {
            if let value = try optionalString(key) { return value }
        }
        return try fallback.optionalString(ownKey ?? keys[0])
    }

    func optionalString(_ key: String) throws(ConfigurationError) -> String? {
        let value = try lookup(key) { try reader.requiredString(forKey: ConfigKey(key), isSecret: true) }
        guard let value else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    func int(_ key: String, default fallback: Int, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let value = try lookup(key, { try reader.requiredInt(forKey: ConfigKey(key)) }) else { return fallback }
        guard range.contains(value) else {
            throw ConfigurationError(key: key, reason: "must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
        }
        return value
    }

    func bool(_ key: String, default fallback: Bool) throws(ConfigurationError) -> Bool {
        try lookup(key) { try reader.requiredBool(forKey: ConfigKey(key)) } ?? fallback
    }

    func double(_ key: String, default fallback: Double, in range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        let value = try lookup(key) { () throws -> Double in
            do {
                return try reader.requiredDouble(forKey: ConfigKey(key))
            } catch {
                // Whole numbers in a file arrive as ints.
                return Double(try reader.requiredInt(forKey: ConfigKey(key)))
            }
        }
        guard let value else { return fallback }
        guard range.contains(value) else {
            throw ConfigurationError(key: key, reason: "must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
        }
        return value
    }

    func stringArray(_ key: String) throws(ConfigurationError) -> [String] {
        let values = try lookup(key) { try reader.requiredStringArray(forKey: ConfigKey(key)) }
        return (values ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Runs a required getter: a missing key is `nil`, any other failure names the key.
    private func lookup<Value>(_ key: String, _ read: () throws -> Value) throws(ConfigurationError) -> Value? {
        registry?.note(key)
        do {
            return try read()
        } catch {
            // swift-configuration's error enum is package-internal, so its description is all we
            // can tell "missing" from "not convertible" by.
            if String(describing: error).hasPrefix("Missing required config value") {
                return nil
            }
            let envName = registry == nil ? ConfigKeyRegistry.environmentEncoding(of: key)
                : ConfigKeyRegistry.environmentName(forKey: key)
            throw ConfigurationError(key: key, reason: "has a value of the wrong type (file key \(key), env \(envName))")
        }
    }
}
