import Foundation
import OpaqueJSON
@testable import OperatorCLI
import Testing

struct AdminEndpointTests {
    struct Unreadable: Error {}

    /// The flag wins over the environment, the environment over the default; the source is named.
    @Test func resolve_whenFlagAndEnvironment_flagWins() throws {
        // Given both an --admin-addr and MESH_ADMIN_ADDR
        let environment = ["MESH_ADMIN_ADDR": "http://10.0.0.1:9000", "MESH_ADMIN_TOKEN": "env-token-0123456789"]
        // When resolved with and without the flag
        let flagged = try AdminEndpoint.resolve(addressOption: "127.0.0.2:8181/", tokenFileOption: nil, environment: environment)
        let fromEnv = try AdminEndpoint.resolve(addressOption: nil, tokenFileOption: nil, environment: environment)
        let fallback = try AdminEndpoint.resolve(addressOption: nil, tokenFileOption: nil, environment: ["MESH_ADMIN_TOKEN": "t"])
        // Then each comes from where it should, normalized
        #expect(flagged == AdminEndpoint(address: "http://127.0.0.2:8181", addressSource: "--admin-addr", token: "env-token-0123456789"))
        #expect(fromEnv.address == "http://10.0.0.1:9000" && fromEnv.addressSource == "MESH_ADMIN_ADDR")
        #expect(fallback.address == "http://127.0.0.1:8081" && fallback.addressSource == "the default")
    }

    /// --token-file beats MESH_ADMIN_TOKEN, which beats MESH_ADMIN_TOKEN_FILE; file contents are trimmed.
    @Test func resolve_whenSeveralTokenSources_followsTheServersOrder() throws {
        // Given files and variables
        let files = ["/flag": "from-flag\n", "/env": "  from-env-file \n"]
        let read: (String) throws -> String = { path in
            guard let text = files[path] else { throw Unreadable() }
            return text
        }
        // When / Then
        #expect(try AdminEndpoint.resolve(addressOption: nil, tokenFileOption: "/flag",
                                          environment: ["MESH_ADMIN_TOKEN": "direct"], readFile: read).token == "from-flag")
        #expect(try AdminEndpoint.resolve(addressOption: nil, tokenFileOption: nil,
                                          environment: ["MESH_ADMIN_TOKEN": "direct", "MESH_ADMIN_TOKEN_FILE": "/env"], readFile: read).token == "direct")
        #expect(try AdminEndpoint.resolve(addressOption: nil, tokenFileOption: nil,
                                          environment: ["MESH_ADMIN_TOKEN_FILE": "/env"], readFile: read).token == "from-env-file")
    }

    /// No token, an unreadable file and a non-HTTP address are refused with their exit codes.
    @Test func resolve_whenUnusable_failsWithExitCode() {
        #expect(throws: OperatorError.noToken) {
            try AdminEndpoint.resolve(addressOption: nil, tokenFileOption: nil, environment: [:])
        }
        #expect(OperatorError.noToken.exitCode == 77)
        do {
            _ = try AdminEndpoint.resolve(addressOption: nil, tokenFileOption: "/missing", environment: [:],
                                          readFile: { _ in throw Unreadable() })
            Issue.record("an unreadable token file must fail")
        } catch {
            #expect(error.exitCode == 78)
            #expect(error.description.contains("/missing") && error.description.contains("--token-file"))
        }
        do {
            _ = try AdminEndpoint.resolve(addressOption: "ftp://host", tokenFileOption: nil, environment: ["MESH_ADMIN_TOKEN": "t"])
            Issue.record("ftp must be refused")
        } catch {
            #expect(error.exitCode == 78 && error.description.contains("--admin-addr"))
        }
    }
}

struct AdminClientTests {
    /// Statuses map to the documented errors and exit codes; messages say what happened.
    @Test func interpret_whenErrorStatus_mapsToExitCode() throws {
        let problem = Data(#"{"title":"Unauthorized","status":401,"detail":"send the admin token"}"#.utf8)
        // 401 → token refused, 77
        do {
            _ = try AdminClient.interpret(status: 401, body: problem, address: "http://127.0.0.1:8081")
            Issue.record("401 must throw")
        } catch {
            #expect(error.exitCode == 77)
            #expect(error.description.contains("refused the admin token") && error.description.contains("http://127.0.0.1:8081"))
        }
        // 404 → rejected, 1, with the problem's detail
        let notFound = Data(#"{"status":404,"detail":"no event for a task with ID \"x\" was journaled"}"#.utf8)
        #expect(throws: OperatorError.rejected(status: 404, detail: #"no event for a task with ID "x" was journaled"#)) {
            try AdminClient.interpret(status: 404, body: notFound, address: "a")
        }
        // 503 → unavailable, 69; 2xx that is not JSON → 1
        #expect(OperatorError.unavailable(status: 503, detail: "").exitCode == 69)
        #expect(throws: OperatorError.badResponse("HTTP 200 with a body that is not JSON")) {
            try AdminClient.interpret(status: 200, body: Data("<html>".utf8), address: "a")
        }
        #expect(try AdminClient.interpret(status: 202, body: Data(#"{"sweep":3}"#.utf8), address: "a")["sweep"].int == 3)
    }

    /// An unreachable controller is reported with the address and where it came from.
    @Test func unreachable_message_namesWhereItLooked() {
        let error = OperatorError.unreachable(address: "http://127.0.0.1:1", source: "MESH_ADMIN_ADDR", reason: "connection refused")
        #expect(error.exitCode == 69)
        #expect(error.description.contains("http://127.0.0.1:1") && error.description.contains("MESH_ADMIN_ADDR"))
    }

    /// Query values are percent-encoded, `+` included (the server reads `+` as a space).
    @Test func url_whenQueryHasReservedCharacters_encodesThem() {
        #expect(AdminClient.url("http://h", "/v1/work/retry", query: [("key", "service:arn:aws:ecs:r:1:cluster/a b+c")])
                == "http://h/v1/work/retry?key=service%3Aarn%3Aaws%3Aecs%3Ar%3A1%3Acluster%2Fa%20b%2Bc")
        #expect(AdminClient.url("http://h", "/v1/status", query: []) == "http://h/v1/status")
    }
}
