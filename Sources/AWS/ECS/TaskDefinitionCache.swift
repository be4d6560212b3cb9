public import Logging

/// Task definitions by ARN. A revision never changes, so entries are kept until evicted (oldest first
/// past `maxEntries`); concurrent lookups of the same ARN share one `DescribeTaskDefinition`.
public actor TaskDefinitionCache {
    private let describer: any ECSTaskDefinitionDescribing
    private let maxEntries: Int
    private let logger: Logger
    private var entries: [String: ECSTaskDefinition] = [:]
    private var insertionOrder: [String] = []
    private var inFlight: [String: Task<ECSTaskDefinition, any Error>] = [:]

    /// Creates a cache.
    /// - Parameters:
    ///   - describer: Usually an ``ECSClient``.
    ///   - maxEntries: Evict the oldest entries beyond this many.
    ///   - logger: Passed to the describer.
    public init(describer: any ECSTaskDefinitionDescribing, maxEntries: Int = 1_000, logger: Logger = AWSLogging.noop) {
        self.describer = describer
        self.maxEntries = max(1, maxEntries)
        self.logger = logger
    }

    /// The task definition `arn`, from the cache or ECS.
    /// - Throws: ``AWSError`` from `DescribeTaskDefinition` (failures are not cached).
    public func taskDefinition(arn: String) async throws -> ECSTaskDefinition {
        if let hit = entries[arn] { return hit }
        let task: Task<ECSTaskDefinition, any Error>
        if let running = inFlight[arn] {
            task = running
        } else {
            let describer = self.describer
            let logger = self.logger
            task = Task { try await describer.describeTaskDefinition(taskDefinition: arn, deadline: nil, logger: logger) }
            inFlight[arn] = task
        }
        do {
            let definition = try await task.value
            if inFlight[arn] == task {
                inFlight[arn] = nil
                store(definition, under: arn)
            }
            return definition
        } catch {
            if inFlight[arn] == task { inFlight[arn] = nil }
            throw error
        }
    }

    /// The number of cached definitions.
    public var count: Int { entries.count }

    private func store(_ definition: ECSTaskDefinition, under key: String) {
        if entries.updateValue(definition, forKey: key) == nil { insertionOrder.append(key) }
        while entries.count > maxEntries, !insertionOrder.isEmpty {
            entries[insertionOrder.removeFirst()] = nil
        }
    }
}
