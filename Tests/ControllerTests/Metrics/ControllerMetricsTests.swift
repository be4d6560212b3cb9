import ErrorClassification
import Foundation
import HTTPServer
import Testing
@testable import Controller

struct ControllerMetricsTests {
    /// Heartbeat, journal and outbound-call series appear in the exposition with their labels.
    @Test func exposition_whenRecorded_containsSeries() {
        // Given
        let metrics = ControllerMetrics()
        // When
        metrics.heartbeatReceived(result: "accepted")
        metrics.heartbeatReceived(result: "accepted")
        metrics.healthTransition(from: "critical", to: "passing")
        metrics.journalCommit(operations: 3, duration: .milliseconds(2), succeeded: true)
        metrics.consulCall(operation: "PUT /v1/acl/token", duration: .milliseconds(4), errorCode: "forbidden")
        metrics.awsCall(service: "ecs", operation: "DescribeTasks", duration: .milliseconds(9), errorCode: nil)
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        // Then
        #expect(text.contains(#"mesh_heartbeats_received_total{result="accepted"} 2"#))
        #expect(text.contains(#"mesh_health_transitions_total{from="critical",to="passing"} 1"#))
        #expect(text.contains(#"mesh_journal_commit_batch_size_bucket{le="4.0"} 1"#))
        #expect(text.contains(#"mesh_consul_request_errors_total{operation="PUT /v1/acl/token",code="forbidden"} 1"#))
        #expect(text.contains(#"mesh_aws_request_duration_seconds_count{service="ecs",operation="DescribeTasks"} 1"#))
    }

    /// The queue's decisions on failed attempts are counted as retries or parkings, by kind and class.
    @Test func workObserver_whenAttemptsFail_countsRetriesAndParkingsByClass() {
        // Given
        let telemetry = ControllerTelemetry()
        let observer = telemetry.workObserver
        // When
        observer.attemptFailed(key: "task:arn:aws:ecs:us-east-1:1:task/c/1", errorClass: .transient, parked: false)
        observer.attemptFailed(key: "task:arn:aws:ecs:us-east-1:1:task/c/2", errorClass: .transient, parked: false)
        observer.attemptFailed(key: "service:arn:aws:ecs:us-east-1:1:cluster/c/web", errorClass: .permanent, parked: true)
        let text = String(decoding: telemetry.metrics.exposition(), as: UTF8.self)
        // Then
        #expect(text.contains(#"mesh_work_retries_total{kind="task",class="transient"} 2"#))
        #expect(text.contains(#"mesh_work_parked_total{kind="service",class="permanent"} 1"#))
    }

    /// A loop handler's request is counted by its status when it replies, on whatever thread that
    /// is, and not before: the duration runs to the reply.
    @Test func instrumentLoopHandler_whenItRepliesLater_countsTheRequestAtTheReply() async {
        // Given
        let metrics = ControllerMetrics()
        let handler = RequestMetrics.instrument({ (_: HTTPRequest, responder: HTTPResponder) in
            DispatchQueue.global().async { responder.reply(HTTPResponse(status: 202)) }
        }, metrics: metrics, listener: "public", route: "/v1/events", method: .post)
        let requests = #"mesh_http_requests_total{listener="public",route="/v1/events",method="POST",status="202"} 1"#
        // When
        let response = await withCheckedContinuation { continuation in
            handler(HTTPRequest(method: .post, path: "/v1/events"), HTTPResponder { continuation.resume(returning: $0) })
        }
        // Then
        #expect(response.status == 202)
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(text.contains(requests))
        #expect(text.contains(#"mesh_http_request_duration_seconds_count{listener="public",route="/v1/events"} 1"#))
    }

    /// Two apps' registries never share series (no global state).
    @Test func exposition_whenSeparateInstances_isolated() {
        // Given
        let first = ControllerMetrics(), second = ControllerMetrics()
        // When
        first.heartbeatExpired()
        // Then
        #expect(String(decoding: first.exposition(), as: UTF8.self).contains("mesh_heartbeats_expired_total 1"))
        #expect(!String(decoding: second.exposition(), as: UTF8.self).contains("mesh_heartbeats_expired_total"))
    }

    /// Consul operations keep the endpoint and drop IDs and names.
    @Test func consulOperation_whenPathHasIDs_keepsEndpointOnly() {
        #expect(OutboundCallRecorder.consulOperation(method: "PUT", path: "/v1/acl/token/1b4c") == "PUT /v1/acl/token")
        #expect(OutboundCallRecorder.consulOperation(method: "GET", path: "/v1/catalog/node/arn%3Aaws") == "GET /v1/catalog/node")
        #expect(OutboundCallRecorder.consulOperation(method: "PUT", path: "/v1/txn") == "PUT /v1/txn")
    }

    /// Work keys are counted by kind; short keys drop the cluster ARN.
    @Test func keyKinds_whenStoredKeys_mapToKindAndShortKey() {
        #expect(MeasuredReconciler.kind(of: "task:arn:aws:ecs:r:1:task/apps/abc") == "task")
        #expect(MeasuredReconciler.kind(of: "client-token") == "client-token")
        #expect(AdminWorkDocument.shortKey("task:arn:aws:ecs:r:1:task/apps/abc") == "task:abc")
        #expect(AdminWorkDocument.shortKey("service:arn:aws:ecs:r:1:cluster/apps/web") == "service:web")
        #expect(AdminWorkDocument.shortKey("service:web") == "service:web")
        #expect(MeasuredReconciler.kind(of: "service:web") == "service")
        #expect(MeasuredReconciler.kind(of: "resync:x") == "other")
    }
}
