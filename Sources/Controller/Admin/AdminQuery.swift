import Foundation
import HTTPServer

/// The query of one admin request: `?pretty`, pagination (`limit`, `cursor`) and filters, validated
/// up front so a bad value is a 400 problem naming the parameter, never a 500.
struct AdminQuery {
    static let defaultLimit = 100
    static let maxLimit = 1000

    let items: [String: String]

    init(_ request: HTTPRequest) {
        items = request.queryItems
    }

    /// Whether to indent the JSON (`?pretty`, `?pretty=true`, `?pretty=1`).
    var pretty: Bool {
        guard let value = items["pretty"] else { return false }
        return value.isEmpty || value == "true" || value == "1"
    }

    /// `limit`, 1...1000, default 100.
    func limit() throws(AdminProblem) -> Int {
        guard let text = items["limit"] else { return Self.defaultLimit }
        guard let value = Int(text), (1...Self.maxLimit).contains(value) else {
            throw AdminProblem.badParameter("limit", "must be an integer from 1 to \(Self.maxLimit)")
        }
        return value
    }

    /// The decoded `cursor` (the last item's sort key of the previous page), or `nil`.
    func cursor() throws(AdminProblem) -> String? {
        guard let text = items["cursor"] else { return nil }
        guard let key = AdminCursor.decode(text) else {
            throw AdminProblem.badParameter("cursor", "is not a cursor this API returned in `next`")
        }
        return key
    }

    /// A non-empty string filter, or `nil` when absent.
    func filter(_ name: String) throws(AdminProblem) -> String? {
        guard let value = items[name] else { return nil }
        guard !value.isEmpty, value.utf8.count <= 2048 else {
            throw AdminProblem.badParameter(name, "must be a non-empty string of at most 2048 bytes")
        }
        return value
    }

    /// A non-negative integer, or `fallback` when absent.
    func integer(_ name: String, default fallback: Int64) throws(AdminProblem) -> Int64 {
        guard let text = items[name] else { return fallback }
        guard let value = Int64(text), value >= 0 else {
            throw AdminProblem.badParameter(name, "must be a non-negative integer")
        }
        return value
    }
}

/// Opaque page cursors: base64url of the last item's sort key, so keys with `/` and `:` travel
/// safely in a query string.
enum AdminCursor {
    static func encode(_ key: String) -> String {
        Data(key.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String) -> String? {
        guard !cursor.isEmpty, cursor.utf8.count <= 8192 else { return nil }
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64.append("=") }
        guard let data = Data(base64Encoded: base64), let key = String(data: data, encoding: .utf8), !key.isEmpty else {
            return nil
        }
        return key
    }
}

/// A client error of the admin API, rendered as problem+json.
///
/// Values the client sent are echoed through ``quoted(_:)``: printable ASCII only, so a client that
/// guesses the charset of a `application/problem+json` body (it has no charset parameter) cannot
/// misread the document.
struct AdminProblem: Error {
    let response: HTTPResponse

    /// `value` in double quotes, with `"`, `\\` and everything outside printable ASCII as `\u{…}`.
    static func quoted(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars.prefix(256) {
            if scalar.value >= 0x20, scalar.value < 0x7F, scalar != "\"", scalar != "\\" {
                result.unicodeScalars.append(scalar)
            } else {
                result += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return result + "\""
    }

    static func badParameter(_ name: String, _ reason: String) -> AdminProblem {
        AdminProblem(response: .problem(status: 400, title: "Invalid query parameter", detail: "\(name) \(reason)",
                                        extra: ["type": ProblemMapping.problemBase + "invalid-parameter", "parameter": name]))
    }

    static func notFound(_ detail: String) -> AdminProblem {
        AdminProblem(response: .problem(status: 404, title: "Not found", detail: detail,
                                        extra: ["type": ProblemMapping.problemBase + "not-found"]))
    }

    static func conflict(_ detail: String) -> AdminProblem {
        AdminProblem(response: .problem(status: 409, title: "Ambiguous", detail: detail,
                                        extra: ["type": ProblemMapping.problemBase + "ambiguous"]))
    }

    static func unavailable(_ title: String, _ detail: String) -> AdminProblem {
        AdminProblem(response: .problem(status: 503, title: title, detail: detail,
                                        extra: ["type": ProblemMapping.problemBase + "unavailable"],
                                        headers: ["Retry-After": "5"]))
    }
}
