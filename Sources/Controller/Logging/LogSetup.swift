import Logging

/// Chooses the process's log handler. Called once, from `main`, as swift-log requires.
public enum LogSetup {
    public static func bootstrap(_ logging: MeshConfiguration.Logging) {
        let level = Logger.Level(rawValue: logging.level) ?? .info
        switch logging.format {
        case .json:
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
