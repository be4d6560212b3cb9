import OpaqueJSON

/// Reads one JSON object of a configuration document, field by field, naming each field by its
/// path (`proxy.upstreams[0].localBindPort`) in errors and warnings.
///
/// Every key read is remembered, so ``unknownKeys()`` can report the rest.
struct JSONFieldReader {
    /// The object's own path (`""` at the top).
    let path: String
    private let object: [String: JSONValue]
    private var read: Set<String> = []

    /// - Throws: ``ConsulECSConfigError`` when `value` is not an object.
    init(_ value: JSONValue, path: String) throws(ConsulECSConfigError) {
        guard case .object(let object) = value else {
            throw ConsulECSConfigError(field: path, reason: "must be an object, not \(value.typeDescription)")
        }
        self.path = path
        self.object = object
    }

    /// The path of `key` in this object.
    func path(of key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The raw value of `key`; `nil` when absent or null.
    mutating func value(_ key: String) -> JSONValue? {
        read.insert(key)
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    mutating func object(_ key: String) throws(ConsulECSConfigError) -> JSONFieldReader? {
        guard let value = value(key) else { return nil }
        return try JSONFieldReader(value, path: path(of: key))
    }

    mutating func string(_ key: String) throws(ConsulECSConfigError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else { throw mistyped(key, value, expected: "a string") }
        return text
    }

    mutating func bool(_ key: String) throws(ConsulECSConfigError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else { throw mistyped(key, value, expected: "a boolean") }
        return flag
    }

    mutating func int(_ key: String) throws(ConsulECSConfigError) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .int(let number) = value else { throw mistyped(key, value, expected: "an integer") }
        return number
    }

    /// An integer that must be present.
    mutating func requiredInt(_ key: String) throws(ConsulECSConfigError) -> Int {
        guard let number = try int(key) else { throw ConsulECSConfigError(field: path(of: key), reason: "is required") }
        return number
    }

    /// A TCP port, `range` by default 1…65535.
    mutating func port(_ key: String, range: ClosedRange<Int> = 1...65535) throws(ConsulECSConfigError) -> Int? {
        guard let number = try int(key) else { return nil }
        guard range.contains(number) else {
            throw ConsulECSConfigError(field: path(of: key), reason: "\(number) is not a port (\(range.lowerBound)-\(range.upperBound))")
        }
        return number
    }

    /// An array of distinct strings (`uniqueItems` in the schema).
    mutating func uniqueStrings(_ key: String) throws(ConsulECSConfigError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { throw mistyped(key, value, expected: "an array of strings") }
        var result: [String] = []
        var seen: Set<String> = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item else {
                throw ConsulECSConfigError(field: "\(path(of: key))[\(index)]", reason: "must be a string, not \(item.typeDescription)")
            }
            guard seen.insert(text).inserted else {
                throw ConsulECSConfigError(field: "\(path(of: key))[\(index)]", reason: "repeats \"\(text)\" (items must be unique)")
            }
            result.append(text)
        }
        return result
    }

    /// An object whose values are all strings.
    mutating func stringMap(_ key: String) throws(ConsulECSConfigError) -> [String: String]? {
        guard let value = value(key) else { return nil }
        guard case .object(let entries) = value else { throw mistyped(key, value, expected: "an object of strings") }
        var result: [String: String] = [:]
        for (name, item) in entries {
            guard case .string(let text) = item else {
                throw ConsulECSConfigError(field: "\(path(of: key)).\(name)", reason: "must be a string, not \(item.typeDescription)")
            }
            result[name] = text
        }
        return result
    }

    /// An array, each item handed to `body` with its path.
    mutating func array<T>(_ key: String, _ body: (JSONValue, String) throws(ConsulECSConfigError) -> T)
        throws(ConsulECSConfigError) -> [T]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { throw mistyped(key, value, expected: "an array") }
        var result: [T] = []
        for (index, item) in items.enumerated() {
            result.append(try body(item, "\(path(of: key))[\(index)]"))
        }
        return result
    }

    /// An opaque object (`proxy.config`).
    mutating func opaqueObject(_ key: String) throws(ConsulECSConfigError) -> JSONValue? {
        guard let value = value(key) else { return nil }
        guard case .object = value else { throw mistyped(key, value, expected: "an object") }
        return value
    }

    /// A string from `allowed`.
    mutating func oneOf<E: RawRepresentable & CaseIterable>(_ key: String, _: E.Type) throws(ConsulECSConfigError) -> E?
        where E.RawValue == String {
        guard let text = try string(key) else { return nil }
        guard let match = E(rawValue: text) else {
            let allowed = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw ConsulECSConfigError(field: path(of: key), reason: "\"\(text)\" is not one of \(allowed)")
        }
        return match
    }

    /// Keys present in the object that were never read, sorted.
    func unknownKeys() -> [String] {
        object.keys.filter { !read.contains($0) }.sorted()
    }

    /// A warning for every key never read: the controller does not know it.
    func unknownKeyWarnings() -> [ConsulECSConfigWarning] {
        unknownKeys().map {
            ConsulECSConfigWarning(field: path(of: $0), message: "not a field this controller knows; ignored")
        }
    }

    private func mistyped(_ key: String, _ value: JSONValue, expected: String) -> ConsulECSConfigError {
        ConsulECSConfigError(field: path(of: key), reason: "must be \(expected), not \(value.typeDescription)")
    }
}
