import Foundation
import PostgresSupport

/// Everything the controller can be told, as one `Sendable` value tree.
///
/// Defaults live here, in the initialisers, so a configuration file only has to name what differs.
/// Loading and validation live in `MeshConfiguration+ConfigReader.swift`; nothing else reads the
/// environment or files.
public struct MeshConfiguration: Sendable, Equatable {
    /// One HTTP listener: where it binds.
    public struct Listener: Sendable, Equatable {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// The embedded evhttp server's limits.
    public struct Server: Sendable, Equatable {
        /// The listener EventBridge and the heartbeat sidecars reach.
        public var publicListener = Listener(host: "127.0.0.1", port: 8080)
        /// Operators' listener; loopback unless deliberately exposed.
        public var adminListener = Listener(host: "127.0.0.1", port: 8081)
        public var maxBodyBytes = 1 << 20
        public var maxHeaderBytes = 16 << 10
        /// Read/write/idle timeout, so a slow client cannot hold a connection.
        public var connectionTimeoutSeconds = 10.0
        /// EventBridge gives up after 5 s, so we answer 503 before that rather than never.
        public var replyDeadlineSeconds = 4.0
        public var maxPendingRequests = 4096
        public var shutdownGraceSeconds = 10.0
        public init() {}
    }

    /// How EventBridge's API-destination connection authenticates to us.
    public struct Webhook: Sendable, Equatable {
        /// Header an API_KEY connection sends (`ApiKeyName`), compared case-insensitively.
        public var apiKeyHeader = "x-api-key"
        public var apiKey: String?
        /// Credentials of a BASIC connection.
        public var basicUsername: String?
        public var basicPassword: String?
        /// Clusters whose events are accepted (ARNs or names). Empty means every cluster.
        public var allowedClusters: [String] = []
        /// `Retry-After` seconds sent with 429 and 503.
        public var retryAfterSeconds = 2
        public init() {}
    }

    public struct Journal: Sendable, Equatable {
        public var path = "./ecs-mesh-journal.sqlite"
        public var maxBatchSize = 1024
        public var maxQueuedEvents = 20_000
        /// The workers' own backpressure budget in the journal's writer queue (work keys, attempts,
        /// services, resync observations, retention), counted apart from `maxQueuedEvents` so that
        /// an ingest flood cannot make the workers' writes fail.
        public var maxQueuedWorkerWrites = 20_000
        /// How long events, and tasks that stopped with their work done, are kept (days); 0 keeps
        /// everything. At least one day otherwise: EventBridge retries a delivery for up to 24 hours,
        /// and a task forgotten before its last retry would be journaled again as new.
        public var retentionDays: Double = 14
        /// Seconds between retention passes (one also runs at start).
        public var pruneIntervalSeconds: Double = 3600
        /// Where the journal lives: `sqlite`, a file of this process (`journal.path`; one replica),
        /// or `postgres`, a PostgreSQL database that several replicas share (`journal.postgres.url`).
        public var backend = Backend.sqlite
        public var postgres = Postgres()
        public init() {}

        public enum Backend: String, Sendable, Equatable, CaseIterable {
            case sqlite, postgres
        }

        /// The PostgreSQL journal (`journal.backend = postgres`).
        public struct Postgres: Sendable, Equatable {
            /// The database as a libpq-style URL, `postgres://user[:password]@host[:port]/database` with the query parameters `sslmode` (disable, prefer, require, verify-ca, verify-full; default prefer), `sslrootcert`, `connect_timeout` and `application_name`. Better without the password: see `journal.postgres.passwordFile`.
            public var url: String?
            /// A file that holds the database password (surrounding whitespace is trimmed), so that it stays out of the URL. At most one of this, `journal.postgres.password` and a password in the URL.
            public var passwordFile: String?
            /// The database password itself, e.g. injected from a secret as `MESH_JOURNAL_POSTGRES_PASSWORD`.
            public var password: String?
            /// The most connections one replica opens to the database.
            public var maxConnections = 10
            /// How many batches of writes one replica commits at once, each in its own transaction on its own connection (at most `journal.postgres.maxConnections` less two). Raise it when the database is far away (a commit then waits on round trips, and one at a time caps ingest at one batch per transaction latency); next to the database on a few cores, 1 did as well. Folds of one task stay in order whatever this is.
            public var concurrentCommits = 1
            public init() {}
        }
    }

    public struct Consul: Sendable, Equatable {
        public var httpAddr = "http://127.0.0.1:8500"
        public var token: String?
        public var caCertPath: String?
        public init() {}
    }

    public struct AWS: Sendable, Equatable {
        public var region: String?
        public var endpointURL: String?
        public init() {}
    }

    /// What the workers write to Consul and Secrets Manager (names follow consul-ecs).
    public struct Mesh: Sendable, Equatable {
        /// Secrets are named `<secretsPrefix>-<service>` (and `<secretsPrefix>-consul-client`).
        public var secretsPrefix = "ecs-mesh"
        /// Port registered for each sidecar proxy (consul-ecs `proxy.publicListenerPort`).
        public var proxyPort = 20000
        /// How long a service keeps its token after its last task stopped.
        public var tokenGraceSeconds = 300.0
        /// Whether to provision the shared client token `<secretsPrefix>-consul-client`.
        public var clientToken = false
        public init() {}
    }

    /// The work queue that drives the workers.
    public struct Work: Sendable, Equatable {
        /// Keys worked on at once. 64 from measurement (docs/benchmarks.md, "Concurrency"): more
        /// workers waiting together fill the batched Consul transactions and DescribeTasks calls.
        public var concurrency = 64
        /// Failed attempts after which a *permanent* failure parks its key; 1 parks it at once.
        /// Transient failures (Consul or AWS down, throttling) never park, whatever this says.
        public var maxAttempts = 1
        /// Ceiling of the first retry's random delay.
        public var backoffBaseMillis = 200
        /// Largest retry delay ceiling. At 30 s a key retries within 30 s of its dependency's
        /// recovery, however long the outage lasted.
        public var backoffCapSeconds = 30.0
        /// How often every parked key is woken and tried again, so nothing stays parked forever.
        public var parkedRecheckSeconds = 600.0
        /// How often the journal is rescanned for pending keys the queue does not hold.
        public var rescanSeconds = 60.0
        /// How long a worker's Consul transaction or DescribeTasks lookup waits for those of other
        /// workers to share one call, while another call of its kind is on the wire (one that finds
        /// none goes at once; 0: only what is already waiting).
        public var batchWindowMillis = 2
        /// Batched calls (Consul transactions, DescribeTasks) on the wire at once, per kind: 2 from
        /// measurement (fewer, fuller calls; moto and Consul gain little from more in parallel).
        public var maxInFlightBatches = 2
        public init() {}
    }

    /// The admin listener's bearer token (see `AdminAuthenticator`). Without one, every admin
    /// endpoint except `/healthz` and `/readyz` answers 503: the API is never open.
    public struct Admin: Sendable, Equatable {
        /// The token itself (`admin.token`, `MESH_ADMIN_TOKEN`), or read from ``tokenFile``.
        public var token: String?
        /// A file holding the token (`admin.tokenFile`, `MESH_ADMIN_TOKEN_FILE`); surrounding
        /// whitespace is ignored. Used when ``token`` is not set.
        public var tokenFile: String?
        public init() {}
    }

    /// Heartbeats from the tasks' `ecs-mesh-heartbeat` sidecars (`POST /v1/heartbeats`).
    public struct Heartbeat: Sendable, Equatable {
        /// No heartbeat for this long turns all of a task's checks critical: 3× the sidecar's
        /// default 5 s interval, so one lost heartbeat does not flap the checks.
        public var ttlSeconds = 15.0
        /// Largest batch (JSON array) one request may carry.
        public var maxBatch = 100
        public init() {}
    }

    /// Leader election among replicas on one PostgreSQL journal (`journal.backend=postgres`); a
    /// SQLite controller is one process that always leads.
    public struct HA: Sendable, Equatable {
        /// How long a granted lease lasts (the database's clock). A dead leader is replaced within
        /// about this plus ``renewSeconds``; so is a paused one, as the journal's sessions end a
        /// transaction left idle for half of it.
        public var leaseSeconds = 10.0
        /// How often the leader renews and followers try to take over; at most half the lease.
        public var renewSeconds = 2.0
        /// This replica's name in the lease and `/v1/status`; unset: the host name plus a random
        /// suffix, unique per process.
        public var replicaId: String?
        public init() {}
    }

    public struct Logging: Sendable, Equatable {
        public enum Format: String, Sendable, Equatable, CaseIterable {
            case text, json
        }
        public var level = "info"
        public var format = Format.text
        public init() {}
    }

    public var server = Server()
    public var webhook = Webhook()
    public var journal = Journal()
    public var consul = Consul()
    public var aws = AWS()
    public var mesh = Mesh()
    public var work = Work()
    public var resync = Resync()
    public var logging = Logging()
    public var heartbeat = Heartbeat()
    public var admin = Admin()
    public var ha = HA()

    public init() {}
}

extension MeshConfiguration {
    /// A human summary for `check-config` and the start-up log, with every secret redacted.
    public var redactedSummary: [String: String] {
        [
            "server.public": "\(server.publicListener.host):\(server.publicListener.port)",
            "server.admin": "\(server.adminListener.host):\(server.adminListener.port)",
            "server.maxBodyBytes": String(server.maxBodyBytes),
            "webhook.apiKeyHeader": webhook.apiKeyHeader,
            "webhook.apiKey": webhook.apiKey == nil ? "unset" : "<redacted>",
            "webhook.basic": webhook.basicUsername == nil ? "unset" : "<redacted>",
            "webhook.allowedClusters": webhook.allowedClusters.isEmpty ? "*" : webhook.allowedClusters.joined(separator: ","),
            "journal.backend": journal.backend.rawValue,
            "journal.path": journal.backend == .sqlite ? journal.path : "unused",
            "journal.postgres": journal.backend == .postgres
                ? ((try? journal.postgres.connectionSettings())?.description ?? "invalid") : "unused",
            "journal.retentionDays": journal.retentionDays == 0 ? "0 (keep everything)" : String(journal.retentionDays),
            "consul.http.addr": consul.httpAddr,
            "consul.http.token": consul.token == nil ? "unset" : "<redacted>",
            "aws.region": aws.region ?? "unset",
            "aws.endpoint.url": aws.endpointURL ?? "default",
            "mesh.secretsPrefix": mesh.secretsPrefix,
            "mesh.proxyPort": String(mesh.proxyPort),
            "mesh.tokenGraceSeconds": String(mesh.tokenGraceSeconds),
            "mesh.clientToken": String(mesh.clientToken),
            "work.concurrency": String(work.concurrency),
            "work.maxAttempts": String(work.maxAttempts),
            "work.parkedRecheckSeconds": String(work.parkedRecheckSeconds),
            "work.rescanSeconds": String(work.rescanSeconds),
            "work.batchWindowMillis": String(work.batchWindowMillis),
            "work.maxInFlightBatches": String(work.maxInFlightBatches),
            "resync.intervalSeconds": String(resync.intervalSeconds),
            "resync.clusters": resync.clusters.isEmpty ? "webhook.allowedClusters" : resync.clusters.joined(separator: ","),
            "heartbeat.ttlSeconds": String(heartbeat.ttlSeconds),
            "heartbeat.maxBatch": String(heartbeat.maxBatch),
            "log.level": logging.level,
            "log.format": logging.format.rawValue,
            "ha.leaseSeconds": String(ha.leaseSeconds),
            "ha.renewSeconds": String(ha.renewSeconds),
            "ha.replicaId": ha.replicaId ?? "host name + random suffix",
            "admin.token": admin.token == nil ? "unset (admin API answers 503)" : "<redacted>",
        ]
    }
}
