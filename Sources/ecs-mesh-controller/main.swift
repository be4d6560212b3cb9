import ArgumentParser
import Controller
import Foundation
import Logging
import OperatorCLI

/// `ecs-mesh-controller`: puts ECS tasks into a Consul service mesh from EventBridge events.
@main
struct EcsMeshControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ecs-mesh-controller",
        abstract: "Event-driven controller that puts Amazon ECS tasks into a Consul service mesh.",
        discussion: "The operator commands (status, tasks, services, work, retry, resync, journal, explain) are clients of the admin API: set MESH_ADMIN_ADDR and MESH_ADMIN_TOKEN (or MESH_ADMIN_TOKEN_FILE).",
        version: ControllerVersion.current,
        subcommands: [Serve.self, CheckConfig.self, Version.self] + OperatorCommands.all,
        defaultSubcommand: Serve.self
    )
}

struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Configuration file (.json, .yaml or .yml). Environment variables override it.")
    var config: String?
}

extension EcsMeshControllerCommand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the controller.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let configuration: MeshConfiguration
            do {
                configuration = try await MeshConfiguration.load(filePath: options.config, environment: environment)
            } catch {
                FileHandle.standardError.write(Data("ecs-mesh-controller: \(error)\n".utf8))
                throw ExitCode(78)  // EX_CONFIG
            }
            LogSetup.bootstrap(configuration.logging)
            var logger = Logger(label: "ecs-mesh-controller")
            logger.logLevel = Logger.Level(rawValue: configuration.logging.level) ?? .info
            logger.info("Starting controller", metadata: [
                "mesh.version": .string(ControllerVersion.current),
                "mesh.config": .dictionary(configuration.redactedSummary.mapValues { .string($0) }),
            ])
            do {
                try await MeshControllerApp(configuration: configuration, environment: environment, logger: logger).run()
            } catch {
                logger.critical("Controller failed", metadata: ["mesh.error": .string(String(describing: error))])
                throw ExitCode(MeshControllerApp.exitStatus(for: error))
            }
        }
    }

    struct CheckConfig: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-config",
            abstract: "Validate the configuration and print it with secrets redacted."
        )
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            do {
                let configuration = try await MeshConfiguration.load(
                    filePath: options.config, environment: ProcessInfo.processInfo.environment
                )
                for (key, value) in configuration.redactedSummary.sorted(by: { $0.key < $1.key }) {
                    print("\(key) = \(value)")
                }
                print("configuration ok")
            } catch {
                FileHandle.standardError.write(Data("ecs-mesh-controller: \(error)\n".utf8))
                throw ExitCode(78)
            }
        }
    }

    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the version.")
        func run() { print(ControllerVersion.current) }
    }
}
