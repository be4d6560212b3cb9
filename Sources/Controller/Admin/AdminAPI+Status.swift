import Foundation
import HTTPServer
import Journal
import Logging

extension AdminAPI {
    /// `GET /v1/status`: one look at the controller's health.
    func status(_ request: HTTPRequest) async -> HTTPResponse {
        await answer(request) { query in
            let summary = try await journal.adminSummary()
            let time = now()
            let statistics = await queue?.statistics()
            let resyncStatus = await (resync as? any ResyncStatusReporting)?.resyncStatus()
            let cluster = await cluster.status()
            let document = AdminStatusDocument(
                version: ControllerVersion.current,
                replicaId: cluster.replicaId, role: cluster.role, leaderId: cluster.leaderId, epoch: cluster.epoch,
                replicas: cluster.replicas, replicasError: cluster.replicasError,
                startedAt: startedAt,
                uptimeSeconds: Self.rounded(time.timeIntervalSince(startedAt)),
                journal: .init(sequence: summary.lastSequence, databaseBytes: summary.databaseBytes,
                               lastEventAt: summary.lastEventReceivedAt,
                               lastEventAgeSeconds: summary.lastEventReceivedAt.map { Self.rounded(time.timeIntervalSince($0)) },
                               writes: journal.writeStatus),
                work: .init(keys: Dictionary(uniqueKeysWithValues: summary.workCounts.map { ($0.key.rawValue, $0.value) }),
                            oldestPendingAgeSeconds: summary.oldestPendingSince.map { Self.rounded(max(0, time.timeIntervalSince($0))) },
                            workersEnabled: queue != nil, attempts: statistics?.attempts, failures: statistics?.failures,
                            transientFailures: statistics?.transientFailures,
                            permanentFailures: statistics?.permanentFailures,
                            parked: statistics?.parked, inFlight: statistics?.running, backingOff: statistics?.waiting),
                consul: dependency(.consul, at: time),
                aws: dependency(.aws, at: time),
                resyncAvailable: resync != nil,
                resync: resyncStatus.map(AdminStatusDocument.ResyncPart.init))
            return AdminJSON.response(document, pretty: query.pretty)
        }
    }

    /// `GET /metrics`: refreshes the gauges read from the journal, then renders the registry.
    func metricsText(_ request: HTTPRequest) async -> HTTPResponse {
        await answer(request) { _ in
            guard let metrics else {
                throw AdminProblem.unavailable("Metrics disabled", "this controller was started without a metrics registry")
            }
            let summary = try await journal.adminSummary()
            let time = now()
            metrics.workKeys(Dictionary(uniqueKeysWithValues: summary.workCounts.map { ($0.key.rawValue, $0.value) }))
            metrics.lastEventAge(seconds: summary.lastEventReceivedAt.map { time.timeIntervalSince($0) } ?? -1)
            metrics.journalSequence(summary.lastSequence)
            metrics.uptime(seconds: time.timeIntervalSince(startedAt))
            return HTTPResponse(status: 200, headers: ["Content-Type": ControllerMetrics.contentType],
                                body: metrics.exposition())
        }
    }

    private func dependency(_ dependency: DependencyHealth.Dependency, at time: Date) -> AdminStatusDocument.DependencyPart {
        let snapshot = health.snapshot(dependency)
        let recent = snapshot.lastAnswerAt.map { time.timeIntervalSince($0) <= Self.recentWindow } ?? false
        return .init(answeredRecently: recent, lastAnswerAt: snapshot.lastAnswerAt, lastSuccessAt: snapshot.lastSuccessAt,
                     lastFailureAt: snapshot.lastFailureAt, calls: snapshot.calls, failures: snapshot.failures)
    }

    static func rounded(_ seconds: TimeInterval) -> Double {
        (seconds * 1000).rounded() / 1000
    }
}
