import Backoff
import Batching
import AsyncHTTPClient
import AWS
import Consul
import Foundation
import Journal
import LeaderElection
import Logging
import MeshModel

/// The worker graph: ECS and Secrets Manager clients with their caches, the Consul client, the
/// registration and token workers, and the work queue that drives them.
///
/// Built once by ``MeshControllerApp``; ``queue`` runs in its service group. The reconcilers are
/// built first and the queue last: workers hand work on through their answers, not through the queue.
struct ControllerWorkers: Sendable {
    let queue: WorkQueue
    let index: ServiceTaskIndex
    /// What this process last registered per task; emptied at the start of each term (``prepare()``).
    let catalogWriteLog: CatalogWriteLog
    /// The service names whose token this process verified; emptied at the start of each term.
    let verified: VerifiedServices
    /// Each task's mesh-config status, for the admin API's task view.
    let meshConfigs: MeshConfigBook
    /// Consul's catalog for the admin API's `explain`, with the workers' Consul client.
    let catalog: ConsulAdminCatalog
    /// Resync sweeps; `nil` when disabled or no cluster is configured. The admin API's `POST /v1/resync` triggers it.
    let resync: ResyncService?
    let journal: any JournalStore
    let clientTokenEnabled: Bool
    /// ``MeshConfiguration/workFingerprint`` of this start's configuration.
    let configurationFingerprint: String
    let logger: Logger

    /// Builds the workers from the configuration and the process environment.
    /// - Parameter leadership: Fences the workers' effects (see ``FencedReconciler``,
    ///   ``FencedCatalogWriter``, ``FencedTokenACL``); `nil` leaves them unfenced (tests).
    /// - Throws: `ConfigurationError` when AWS has no region or a bad endpoint URL (scope `aws`), or
    ///   when the Consul address or CA cannot be used (scope `consul`).
    static func make(configuration: MeshConfiguration, environment: [String: String], journal: any JournalStore,
                     httpClient: HTTPClient, telemetry: ControllerTelemetry? = nil, leadership: LeadershipGuard? = nil,
                     logger: Logger) throws -> ControllerWorkers {
        // Every work-recording write of the workers carries the fence (see FencedJournal).
        let journal: any JournalStore = leadership.map { FencedJournal(journal, fence: $0) } ?? journal
        let (unfencedConsul, ecs, secretsManager) = try clients(configuration: configuration, environment: environment,
                                                                httpClient: httpClient, telemetry: telemetry, logger: logger)
        let consul = fenced(unfencedConsul, leadership)
        let index = ServiceTaskIndex()
        let secrets = SecretsManagerTokenStore(client: secretsManager)
        let acl = fenced(ConsulTokenACL(consul: consul), leadership)
        let mesh = configuration.mesh
        let catalogWriteLog = CatalogWriteLog()
        let meshConfigs = MeshConfigBook()
        let (catalog, describer) = batchedClients(consul: consul, ecs: ecs, work: configuration.work, logger: logger)
        let registration = TaskRegistrationReconciler(
            journal: journal,
            metadata: TaskMetadataResolver(journal: journal, tasks: describer,
                                           definitions: TaskDefinitionCache(describer: ecs, logger: logger),
                                           book: meshConfigs),
            catalog: fenced(catalog, leadership), index: index,
            planConfiguration: MeshPlanConfiguration(proxyPort: mesh.proxyPort), catalogWriteLog: catalogWriteLog
        )
        let verified = VerifiedServices()
        let tokens = ServiceTokenReconciler(
            journal: journal, secrets: secrets, acl: acl, index: index,
            configuration: .init(secretsPrefix: mesh.secretsPrefix, gracePeriod: mesh.tokenGraceSeconds),
            verified: verified
        )
        let clientToken = mesh.clientToken
            ? ClientTokenReconciler(secrets: secrets, acl: acl, secretsPrefix: mesh.secretsPrefix) : nil
        let work = configuration.work
        let resyncSlot = ResyncTriggerSlot()
        let meshReconciler = MeshWorkReconciler(registration: registration, tokens: tokens, clientToken: clientToken,
                                                resync: resyncSlot)
        let reconciler: any Reconciler = leadership.map { FencedReconciler(base: meshReconciler, leadership: $0) }
            ?? meshReconciler
        let queue = WorkQueue(
            store: JournalWorkStore(journal: journal, fence: leadership),
            reconciler: telemetry.map { $0.measured(reconciler) } ?? reconciler,
            configuration: queueConfiguration(work),
            observer: telemetry?.workObserver,
            lookahead: TaskDescribeAhead(journal: journal, tasks: describer),
            logger: logger
        )
        let resync = makeResync(configuration: configuration, ecs: ecs, consul: consul, catalog: catalog,
                                journal: journal, queue: queue,
                                index: index, catalogWriteLog: catalogWriteLog, verified: verified,
                                leadership: leadership, logger: logger)
        resyncSlot.bind(resync)
        return ControllerWorkers(queue: queue, index: index, catalogWriteLog: catalogWriteLog, verified: verified,
                                 meshConfigs: meshConfigs,
                                 catalog: ConsulAdminCatalog(consul: consul), resync: resync, journal: journal,
                                 clientTokenEnabled: mesh.clientToken,
                                 configurationFingerprint: configuration.workFingerprint, logger: logger)
    }

    /// The clients of the workers' dependencies: Consul, ECS and Secrets Manager.
    private static func clients(
        configuration: MeshConfiguration, environment: [String: String], httpClient: HTTPClient,
        telemetry: ControllerTelemetry?, logger: Logger
    ) throws -> (ConsulClient, ECSClient, SecretsManagerClient) {
        var consul = try ConsulClient(httpClient: httpClient, configuration: try consulConfiguration(configuration, environment))
        consul.callObserver = telemetry?.callRecorder
        let awsConfiguration = telemetry?.awsConfiguration ?? AWSJSONClient.Configuration()
        let endpoints = try AWSEndpoints(environment: awsEnvironment(configuration, environment))
        let credentials = AWSCredentialChain(environment: environment, httpClient: httpClient, logger: logger)
        let ecs = ECSClient(client: httpClient, endpoint: endpoints.ecs, region: endpoints.region,
                            credentials: credentials, configuration: awsConfiguration, logger: logger)
        let secretsManager = SecretsManagerClient(client: httpClient, endpoint: endpoints.secretsManager,
                                                  region: endpoints.region, credentials: credentials,
                                                  configuration: awsConfiguration, logger: logger)
        return (consul, ecs, secretsManager)
    }

    /// `consul` with every write passing `leadership`'s local check right before it goes on the wire,
    /// not only before the effect that sends it (a catalog write is a batched transaction and then the
    /// sidecar's registration): a leader frozen past its lease sends, once resumed, at most the one
    /// call it had already handed to the network. Unchanged without `leadership`.
    static func fenced(_ consul: ConsulClient, _ leadership: LeadershipGuard?) -> ConsulClient {
        guard let leadership else { return consul }
        var gated = consul
        gated.writeGate = { _ = try leadership.ensureLeading() }
        return gated
    }

    /// `base`, fenced by `leadership` when there is one.
    static func fenced(_ base: any TokenACL, _ leadership: LeadershipGuard?) -> any TokenACL {
        leadership.map { FencedTokenACL(base, leadership: $0) } ?? base
    }

    /// `base`, fenced by `leadership` when there is one.
    static func fenced(_ base: any MeshCatalogWriter, _ leadership: LeadershipGuard?) -> any MeshCatalogWriter {
        leadership.map { FencedCatalogWriter(base, leadership: $0) } ?? base
    }

    /// The queue's tunables from the `work.*` keys.
    static func queueConfiguration(_ work: MeshConfiguration.Work) -> WorkQueue.Configuration {
        WorkQueue.Configuration(
            concurrency: work.concurrency, maxAttempts: work.maxAttempts,
            backoff: FullJitterBackoff(base: .milliseconds(work.backoffBaseMillis),
                                       cap: .milliseconds(Int64(work.backoffCapSeconds * 1000))),
            parkedRecheckInterval: .milliseconds(Int64(work.parkedRecheckSeconds * 1000)),
            rescanInterval: .milliseconds(Int64(work.rescanSeconds * 1000))
        )
    }

    /// The batched fronts of Consul's catalog (transactions) and of ECS's DescribeTasks, each batch
    /// within its call's own size limit. A call that finds none of its kind on the wire goes at
    /// once: the window only gathers the calls that arrive while another is out (a storm), so a
    /// lone event's registration does not wait for company that is not coming.
    private static func batchedClients(consul: ConsulClient, ecs: ECSClient, work: MeshConfiguration.Work,
                                       logger: Logger) -> (ConsulMeshCatalog, TaskDescriptionCache) {
        let batching = batchingConfiguration(work)
        let catalog = ConsulMeshCatalog(
            consul: consul, batching: .init(maxBatchWeight: ConsulClient.maxTransactionOperations,
                                            window: batching.window, maxInFlightBatches: batching.maxInFlight,
                                            waitsWhenIdle: false),
            logger: logger)
        let describer = TaskDescriptionCache(
            describer: ecs, batching: .init(maxBatchWeight: ECSClient.describeTasksBatchSize,
                                            window: batching.window, maxInFlightBatches: batching.maxInFlight,
                                            waitsWhenIdle: false),
            logger: logger)
        return (catalog, describer)
    }

    /// The batching of the workers' Consul transactions and DescribeTasks calls (`work.batchWindowMillis`,
    /// `work.maxInFlightBatches`).
    static func batchingConfiguration(_ work: MeshConfiguration.Work) -> (window: Duration, maxInFlight: Int) {
        (.milliseconds(work.batchWindowMillis), work.maxInFlightBatches)
    }

    /// The Consul settings: our configuration's address, token and CA, plus Consul's own TLS variables.
    static func consulConfiguration(
        _ configuration: MeshConfiguration, _ environment: [String: String]
    ) throws -> ConsulConfiguration {
        var consulEnvironment: [String: String] = [:]
        for key in ["CONSUL_HTTP_SSL", "CONSUL_HTTP_SSL_VERIFY", "CONSUL_CACERT_PEM"] {
            consulEnvironment[key] = environment[key]
        }
        consulEnvironment["CONSUL_HTTP_ADDR"] = configuration.consul.httpAddr
        consulEnvironment["CONSUL_HTTP_TOKEN"] = configuration.consul.token
        consulEnvironment["CONSUL_CACERT"] = configuration.consul.caCertPath
        return try ConsulConfiguration(environment: consulEnvironment)
    }

    /// The environment AWS resolves endpoints from, with the configuration's region and endpoint
    /// (which may come from the file) laid over the process environment.
    static func awsEnvironment(_ configuration: MeshConfiguration, _ environment: [String: String]) -> [String: String] {
        var result = environment
        if let region = configuration.aws.region { result["AWS_REGION"] = region }
        if let endpoint = configuration.aws.endpointURL { result["AWS_ENDPOINT_URL"] = endpoint }
        return result
    }
}
