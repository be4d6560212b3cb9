public import Foundation
public import Logging
import Synchronization

/// A swift-log handler that writes one JSON object per line, for log pipelines that parse fields.
///
/// A value type, as the `LogHandler` contract requires: level and metadata behave as values. Lines
/// are written whole under one process-wide lock so concurrent loggers never interleave bytes.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let sink: LineSink

    public init(label: String, sink: LineSink = .standardError) {
        self.label = label
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata {
            merged.merge(extra) { _, new in new }
        }
        var object: [String: Any] = [
            "ts": ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds]),
            "level": event.level.rawValue,
            "logger": label,
            "msg": event.message.description,
        ]
        for (key, value) in merged {
            object[key] = Self.jsonValue(value)
        }
        guard var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return
        }
        line.append(UInt8(ascii: "\n"))
        sink.write(line)
    }

    private static func jsonValue(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let string): return string
        case .stringConvertible(let convertible): return convertible.description
        case .array(let array): return array.map(jsonValue)
        case .dictionary(let dictionary): return dictionary.mapValues(jsonValue)
        }
    }
}

/// Where log lines go; standard error in production, a buffer in tests.
public final class LineSink: Sendable {
    private let write: @Sendable (Data) -> Void
    private let lock = Mutex(())

    public init(_ write: @escaping @Sendable (Data) -> Void) {
        self.write = write
    }

    public static let standardError = LineSink { FileHandle.standardError.write($0) }

    func write(_ line: Data) {
        lock.withLock { _ in write(line) }
    }
}
