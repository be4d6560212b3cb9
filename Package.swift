// swift-tools-version: 6.2
import PackageDescription

/// Settings every target shares (Hummingbird's upcoming features, swift-log's explicit Sendable).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .unsafeFlags(["-require-explicit-sendable"]),
]

let package = Package(
    name: "ecs-mesh-controller",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ecs-mesh-controller", targets: ["ecs-mesh-controller"]),
        .executable(name: "ecs-mesh-heartbeat", targets: ["ecs-mesh-heartbeat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // libevent, seen through a module map; only HTTPServer imports it.
        .systemLibrary(
            name: "CLibevent",
            pkgConfig: "libevent",
            providers: [.apt(["libevent-dev"])]
        ),
        // Exponential backoff with full jitter, shared by the AWS client's retries and the work queue.
        .target(name: "Backoff", swiftSettings: strictSettings),
        // Hex, percent-encoding, JSON string escaping and SHA-256 hex: one home for each.
        .target(
            name: "ByteCoding",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HTTPServer",
            dependencies: [
                "CLibevent", "ByteCoding",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // A JSON document as a value (opaque configuration carried from task definitions to Consul),
        // and the lenient reading of documents other programs write (Consul, ECS).
        .target(name: "OpaqueJSON", swiftSettings: strictSettings),
        .target(
            name: "MeshModel",
            dependencies: ["OpaqueJSON"],
            swiftSettings: strictSettings
        ),
        // Transient or permanent: the one question the work queue asks of an error, answered by
        // each error type where it is defined (AWS, Consul, Journal, Controller); and the one
        // ConfigurationError every source of settings raises (a key and why it cannot be used).
        .target(
            name: "ErrorClassification",
            swiftSettings: strictSettings
        ),
        // Coalesces concurrent single-key calls into batched ones, each caller with its own outcome
        // (Consul transactions, DescribeTasks).
        .target(name: "Batching", dependencies: ["ErrorClassification"], swiftSettings: strictSettings),
        // One C call Swift's Glibc module hides (sync_file_range); the journal's checkpointer uses it.
        .target(name: "CFileWriteback"),
        .target(
            name: "Journal",
            dependencies: [
                "MeshModel", "CFileWriteback", "ErrorClassification", "ByteCoding",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AWS",
            dependencies: [
                "ErrorClassification", "Backoff", "Batching", "ByteCoding", "OpaqueJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Consul",
            dependencies: [
                "ErrorClassification", "Batching", "OpaqueJSON", "ByteCoding", "MeshModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        // PostgreSQL connection settings (a libpq-style URL, password from elsewhere, TLS) and the
        // one factory of PostgresNIO clients: the PostgreSQL journal and leader election use it.
        .target(
            name: "PostgresSupport",
            dependencies: [
                "ByteCoding", "ErrorClassification",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        // The journal on PostgreSQL: the SQLite journal's tables and semantics in one database that
        // several replicas share (advisory locks per task, NOTIFY of marked work, fenced writes).
        .target(
            name: "PostgresJournal",
            dependencies: [
                "Journal", "MeshModel", "ErrorClassification",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Controller",
            dependencies: [
                "HTTPServer", "MeshModel", "Journal", "AWS", "Consul", "ErrorClassification", "Backoff", "Batching",
                "ByteCoding", "HeartbeatAgent", "LeaderElection", "PostgresLeaderElection", "PostgresSupport", "PostgresJournal",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // Leader election: the pure lease state machine, the elector, the fencing guard and the
        // LeaseStore seam; knows no database.
        .target(
            name: "LeaderElection",
            dependencies: [
                "ErrorClassification",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // The LeaseStore in PostgreSQL: the lease row and the replicas table.
        .target(
            name: "PostgresLeaderElection",
            dependencies: [
                "LeaderElection",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // The operator subcommands (status, tasks, explain, ...): a client of the admin API and its
        // table/JSON rendering; never opens the journal.
        .target(
            name: "OperatorCLI",
            dependencies: [
                "OpaqueJSON", "ByteCoding",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ecs-mesh-controller",
            dependencies: [
                "Controller", "OperatorCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings,
            // jemalloc replaces glibc's malloc in the controller: request bodies are allocated on the
            // loop thread and freed on others, the pattern glibc's per-thread caches handle worst
            // (malloc_consolidate and unlink_chunk were ~10 % of CPU samples under ingest load).
            linkerSettings: [.linkedLibrary("jemalloc", .when(platforms: [.linux]))]
        ),
        // The heartbeat sidecar: reads the ECS task metadata endpoint, posts /v1/heartbeats.
        .target(
            name: "HeartbeatAgent",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ecs-mesh-heartbeat",
            dependencies: [
                "HeartbeatAgent",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "BackoffTests", dependencies: ["Backoff", "MeshTestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "BatchingTests", dependencies: ["Batching", "MeshTestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "ByteCodingTests", dependencies: ["ByteCoding"], swiftSettings: strictSettings),
        .testTarget(name: "PostgresSupportTests", dependencies: [
            "PostgresSupport", "ErrorClassification", "MeshTestSupport",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strictSettings),
        .testTarget(name: "HeartbeatAgentTests", dependencies: [
            "HeartbeatAgent", "MeshTestSupport", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strictSettings),
        .testTarget(name: "HTTPServerTests", dependencies: [
            "HTTPServer", "MeshTestSupport", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
        ], swiftSettings: strictSettings),
        // Throwaway benchmark peer of Tests/Benchmarks/ceiling/evhttp_ceiling.c: answers POST 202.
        .executableTarget(
            name: "bench-echo-server",
            dependencies: ["HTTPServer", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "MeshModelTests", dependencies: ["MeshModel", "OpaqueJSON", "MeshTestSupport"],
                    resources: [.copy("Fixtures")], swiftSettings: strictSettings),
        .testTarget(name: "JournalTests", dependencies: [
            "Journal", "MeshModel", "ErrorClassification", "MeshTestSupport", .product(name: "Logging", package: "swift-log"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "InMemoryLogging", package: "swift-log"),
        ], swiftSettings: strictSettings),
        .testTarget(name: "AWSTests", dependencies: [
            "AWS", "Batching", "ErrorClassification", "MeshTestSupport", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "InMemoryLogging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], resources: [.copy("Fixtures")], swiftSettings: strictSettings),
        .testTarget(name: "ConsulTests", dependencies: [
            "Consul", "Batching", "ErrorClassification", "MeshModel", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "InMemoryLogging", package: "swift-log"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], swiftSettings: strictSettings),
        // Shared by the test targets: sample events, the controller as a child process, the journal back ends under test.
        .target(name: "MeshTestSupport", dependencies: [
            "Journal", "PostgresJournal",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], path: "Tests/MeshTestSupport", swiftSettings: strictSettings),
        .testTarget(name: "ControllerTests", dependencies: [
            "Controller", "ErrorClassification", "HTTPServer", "Journal", "MeshModel", "MeshTestSupport", "Backoff", "ByteCoding",
            "LeaderElection", "PostgresSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strictSettings),
        .testTarget(name: "LeaderElectionTests", dependencies: [
            "LeaderElection", "PostgresLeaderElection", "PostgresSupport", "MeshTestSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strictSettings),
        .testTarget(name: "PostgresJournalTests", dependencies: [
            "PostgresJournal", "Journal", "MeshModel", "ErrorClassification", "MeshTestSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ], swiftSettings: strictSettings),
        .testTarget(name: "OperatorCLITests", dependencies: [
            "OperatorCLI", "OpaqueJSON", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strictSettings),
        .testTarget(name: "IntegrationTests", dependencies: [
            "Controller", "AWS", "Backoff", "Consul", "ErrorClassification", "Journal", "MeshModel", "MeshTestSupport", "OpaqueJSON",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ], swiftSettings: strictSettings),
    ]
)
