import AsyncHTTPClient
import Foundation
import HeartbeatAgent
import Logging
import UnixSignals

// ecs-mesh-heartbeat: the heartbeat sidecar of a mesh task (README "Heartbeat sidecar").
// Configuration comes from the environment only; see HeartbeatAgentConfiguration.

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = ProcessInfo.processInfo.environment["MESH_HEARTBEAT_LOG_LEVEL"]
        .flatMap(Logger.Level.init(rawValue:)) ?? .info
    return handler
}
let logger = Logger(label: "ecs-mesh-heartbeat")

let configuration: HeartbeatAgentConfiguration
do {
    configuration = try HeartbeatAgentConfiguration(environment: ProcessInfo.processInfo.environment)
} catch {
    logger.critical("Invalid configuration", metadata: ["mesh.error": .string(error.description)])
    exit(2)
}

let client = HTTPClient(eventLoopGroupProvider: .singleton)
let agent = HeartbeatAgent(configuration: configuration,
                           transport: HTTPHeartbeatTransport(client: client, configuration: configuration),
                           logger: logger)
let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
let signalWatcher = Task {
    for await signal in signals {
        logger.info("Signal received; reporting STOPPING until the app containers stop", metadata: [
            "mesh.signal": .string("\(signal)"),
        ])
        agent.requestStop()
    }
}
logger.info("Heartbeat sidecar started", metadata: [
    "mesh.heartbeat.url": .string(configuration.controllerURL),
    "mesh.heartbeat.interval": .string("\(configuration.interval)"),
])
await agent.run()
signalWatcher.cancel()
await shutDown(client)
logger.info("Heartbeat sidecar stopped")

/// Closes the client's connections. A function of its own: at top level the compiler picks the
/// future-returning `shutdown()` and drops the future unwaited.
func shutDown(_ client: HTTPClient) async {
    try? await client.shutdown()
}
