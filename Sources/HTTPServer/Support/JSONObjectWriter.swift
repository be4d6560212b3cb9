import ByteCoding

/// Writes one flat JSON object of string and integer members, without Foundation.
///
/// Enough for problem documents, which the loop thread may have to build (deadline and
/// overload replies); `JSONEncoder` would cost far more than the rest of such a reply.
struct JSONObjectWriter {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var isFirst = true

    mutating func add(_ key: String, string value: String) {
        addKey(key)
        JSONString.appendQuoted(value, to: &bytes)
    }

    mutating func add(_ key: String, integer value: Int) {
        addKey(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    consuming func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    private mutating func addKey(_ key: String) {
        if !isFirst { bytes.append(UInt8(ascii: ",")) }
        isFirst = false
        JSONString.appendQuoted(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }
}
