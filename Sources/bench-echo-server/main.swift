// Benchmark peer of Tests/Benchmarks/ceiling/evhttp_ceiling.c: the same evhttp, with the Swift
// bridge, answering every POST /v1/events with 202 `{}` from a handler. Usage: bench-echo-server PORT
import Glibc
import HTTPServer
import Logging

let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 0 : 0
let accepted = Array("{}".utf8)
var router = Router()
router.add(.post, "/v1/events") { _ in
    HTTPResponse(status: 202, headers: ["Content-Type": "application/json"], body: accepted)
}
var logger = Logger(label: "bench-echo-server")
logger.logLevel = .warning
let server = EventHTTPServer(
    configuration: HTTPServerConfiguration(listeners: [
        .init(name: "public", host: "127.0.0.1", port: port, router: router),
    ]),
    logger: logger
)
let ports = try await server.start()
let ready = "listening on \(ports["public"] ?? 0)\n"
_ = ready.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
try await server.run()
