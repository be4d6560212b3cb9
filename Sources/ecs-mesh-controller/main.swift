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
            let loaded: LoadedConfiguration
            do {
                loaded = try await MeshConfiguration.loadReport(
                    filePath: options.config, environment: environment, otherVariables: AdminEndpoint.environmentVariables
                )
            } catch {
                FileHandle.standardError.write(Data("ecs-mesh-controller: \(error)\n".utf8))
                throw ExitCode(78)  // EX_CONFIG
            }
            let configuration = loaded.configuration
            LogSetup.bootstrap(configuration.logging)
            var logger = Logger(label: "ecs-mesh-controller")
            logger.logLevel = Logger.Level(rawValue: configuration.logging.level) ?? .info
            if loaded.hasUnknownSettings {
                // Only names: the values of unknown variables may be secrets.
                logger.warning("Ignoring settings that no setting reads (misspelled or no longer used)", metadata: [
                    "mesh.config.unknown.environment": .array(loaded.unknownVariables.map { .string($0) }),
                    "mesh.config.unknown.file": .array(loaded.unknownFileKeys.map { .string($0) }),
                ])
            }
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
            abstract: "Validate the configuration and print it with secrets redacted.",
            discussion: "Fails (exit 78) on an invalid value, and on a MESH_ variable or file key that no setting reads."
        )
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let loaded: LoadedConfiguration
            do {
                loaded = try await MeshConfiguration.loadReport(
                    filePath: options.config, environment: ProcessInfo.processInfo.environment,
                    otherVariables: AdminEndpoint.environmentVariables
                )
            } catch {
                FileHandle.standardError.write(Data("ecs-mesh-controller: \(error)\n".utf8))
                throw ExitCode(78)
            }
            for (key, value) in loaded.configuration.redactedSummary.sorted(by: { $0.key < $1.key }) {
                print("\(key) = \(value)")
            }
            guard !loaded.hasUnknownSettings else {
                FileHandle.standardError.write(Data("ecs-mesh-controller: \(loaded.unknownSettingsDescription)\n".utf8))
                throw ExitCode(78)
            }
            print("configuration ok")
        }
    }

    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the version.")
        func run() { print(ControllerVersion.current) }
    }
}
