import AWS
import Consul
@testable import Controller
import ErrorClassification
import Journal
import Testing

/// `WorkerError.isTransient` and `ErrorClass(of:)`: the class the work queue acts on.
struct WorkerErrorClassTests {
    /// A wrapped Consul, AWS or journal error gives the worker error its class.
    @Test func isTransient_whenWrappingAClassifiedError_takesItsClass() {
        // Given
        let noLeader = ConsulError(status: 500, body: "No cluster leader", method: "PUT", path: "/v1/catalog/register")
        let denied = ConsulError(status: 403, body: "Permission denied", method: "PUT", path: "/v1/acl/token")
        let throttled = AWSError(code: "ThrottlingException", statusCode: 400, operation: "DescribeTasks")
        let accessDenied = AWSError(code: "AccessDeniedException", statusCode: 400, operation: "CreateSecret")
        // When / Then
        #expect(ErrorClass(of: WorkerError.consulCatalog.with("register", underlying: noLeader)) == .transient)
        #expect(ErrorClass(of: WorkerError.consulACL.with("create token", underlying: denied)) == .permanent)
        #expect(ErrorClass(of: WorkerError.ecs.with("describe", underlying: throttled)) == .transient)
        #expect(ErrorClass(of: WorkerError.secretsManager.with("create", underlying: accessDenied)) == .permanent)
        #expect(ErrorClass(of: WorkerError.journal.with("mark", underlying: JournalError.overloaded)) == .transient)
        #expect(ErrorClass(of: WorkerError.journal.with("read", underlying: JournalError.corrupt)) == .permanent)
    }

    /// Codes that need someone to act are permanent; those that pass on their own are transient.
    @Test func isTransient_whenNothingWrapped_followsTheCode() {
        #expect(!WorkerError.invalidTags.isTransient)
        #expect(!WorkerError.unknownKey.isTransient)
        #expect(!WorkerError.notConfigured.isTransient)
        #expect(WorkerError.taskNotInECS.isTransient)
        #expect(WorkerError.secretConflict.isTransient)
        #expect(WorkerError.consulCatalog.isTransient)
    }

    /// An error nobody classified is transient, so nothing parks forever by accident.
    @Test func errorClass_whenErrorUnclassified_isTransient() {
        struct Surprise: Error {}
        #expect(ErrorClass(of: Surprise()) == .transient)
        #expect(ErrorClass(of: CancellationError()) == .transient)
        #expect(ErrorClass(of: WorkerError.ecs.with("describe", underlying: Surprise())) == .transient)
    }
}
