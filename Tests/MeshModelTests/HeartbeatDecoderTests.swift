import MeshModel
import Testing

/// ``HeartbeatDecoder``: the `POST /v1/heartbeats` body, strictly validated.
struct HeartbeatDecoderTests {
    static let arn = "arn:aws:ecs:us-east-1:123456789012:task/apps/0123456789abcdef0123456789abcdef"

    static func body(_ json: String) -> [UInt8] { Array(json.utf8) }

    static func one(state: String = "RUNNING", containers: String = #"[{"name":"app","health":"HEALTHY"}]"#,
                    arn: String = arn) -> String {
        #"{"taskArn":"\#(arn)","state":"\#(state)","containers":\#(containers)}"#
    }

    /// One heartbeat object decodes into its task, state and container health.
    @Test func decode_whenOneHeartbeat_readsEveryField() throws {
        // Given
        let body = Self.body(Self.one(containers: #"[{"name":"app","health":"HEALTHY"},{"name":"db","health":"UNKNOWN","extra":1}]"#))
        // When
        let heartbeats = try HeartbeatDecoder().decode(body)
        // Then
        #expect(heartbeats == [Heartbeat(taskArn: Self.arn, state: .running, containers: [
            .init(name: "app", health: .healthy), .init(name: "db", health: .unknown),
        ])])
    }

    /// A batch array decodes in order.
    @Test func decode_whenBatch_readsAllInOrder() throws {
        // Given
        let body = Self.body("[\(Self.one()),\(Self.one(state: "STOPPING", containers: "[]"))]")
        // When
        let heartbeats = try HeartbeatDecoder().decode(body)
        // Then
        #expect(heartbeats.map(\.state) == [.running, .stopping])
        #expect(heartbeats[1].containers.isEmpty)
    }

    /// Each kind of bad input gets its own error, naming the field.
    @Test(arguments: [
        ("{", HeartbeatDecodingError.malformedJSON(detail: "unexpected end of input at byte 1")),
        ("[]", .emptyBatch),
        ("42", .wrongType(path: "", expected: "a JSON object or an array of objects")),
        (#"{"state":"RUNNING","containers":[]}"#, .missingField(path: "taskArn")),
        (one(state: "PAUSED"), .invalidValue(path: "state", reason: "must be RUNNING or STOPPING")),
        (one(arn: "arn:aws:s3:::bucket"), .invalidValue(path: "taskArn", reason: "not an ECS task ARN")),
        (one(containers: #"[{"name":"app","health":"GOOD"}]"#),
         .invalidValue(path: "containers[0].health", reason: "must be HEALTHY, UNHEALTHY or UNKNOWN")),
        (one(containers: #"[{"name":"app"}]"#), .missingField(path: "containers[0].health")),
        (one(containers: #"{"name":"app"}"#), .wrongType(path: "containers", expected: "an array of objects")),
        (one(containers: #"[{"name":"a","health":"HEALTHY"},{"name":"a","health":"HEALTHY"}]"#),
         .invalidValue(path: "containers[1].name", reason: "duplicate container \"a\"")),
        (#"{"taskArn":7,"state":"RUNNING","containers":[]}"#, .wrongType(path: "taskArn", expected: "a string")),
        ("[\(one()),\(one(state: "NOPE"))]", .invalidValue(path: "[1].state", reason: "must be RUNNING or STOPPING")),
    ])
    func decode_whenInvalid_throwsNamingTheProblem(json: String, expected: HeartbeatDecodingError) {
        // Given / When / Then
        #expect(throws: expected) { try HeartbeatDecoder().decode(Self.body(json)) }
    }

    /// A batch larger than the limit is refused.
    @Test func decode_whenBatchTooLarge_invalidValue() {
        // Given
        let body = Self.body("[\(Self.one()),\(Self.one()),\(Self.one())]")
        // When / Then
        #expect(throws: HeartbeatDecodingError.invalidValue(path: "", reason: "a batch holds at most 2 heartbeats, this one has 3")) {
            try HeartbeatDecoder(maxBatch: 2).decode(body)
        }
    }

    /// Hostile input (deep nesting, invalid UTF-8, trailing garbage) is an error, never a crash.
    @Test(arguments: [
        String(repeating: "[", count: 10_000),
        "{\"taskArn\":\"\u{1}\"}",
        one() + "x",
    ])
    func decode_whenHostile_throwsMalformed(json: String) {
        // Given / When / Then
        #expect(throws: HeartbeatDecodingError.self) { try HeartbeatDecoder().decode(Self.body(json)) }
        #expect(throws: HeartbeatDecodingError.self) { try HeartbeatDecoder().decode([0xFF, 0xFE, 0x7B]) }
    }
}

/// ``TaskHealth``: transitions of heartbeat health.
struct TaskHealthTests {
    static func heartbeat(_ state: Heartbeat.State = .running, _ health: ContainerHealth = .healthy) -> Heartbeat {
        Heartbeat(taskArn: HeartbeatDecoderTests.arn, state: state, containers: [.init(name: "app", health: health)])
    }

    /// The first heartbeat is a transition; the same report again is not.
    @Test func after_whenSameReportRepeats_noTransition() throws {
        // Given
        let first = try #require(TaskHealth.after(Self.heartbeat(), current: nil))
        // When
        let again = TaskHealth.after(Self.heartbeat(), current: first)
        // Then
        #expect(first == TaskHealth(phase: .reporting, containers: ["app": .healthy]))
        #expect(again == nil)
    }

    /// A health change is a transition.
    @Test func after_whenHealthChanges_transition() {
        // Given
        let current = TaskHealth(phase: .reporting, containers: ["app": .healthy])
        // When
        let next = TaskHealth.after(Self.heartbeat(.running, .unhealthy), current: current)
        // Then
        #expect(next?.containers["app"] == .unhealthy)
    }

    /// STOPPING is final: a later HEALTHY RUNNING heartbeat changes nothing.
    @Test func after_whenStoppingThenHealthy_staysStopping() throws {
        // Given
        let stopping = try #require(TaskHealth.after(Self.heartbeat(.stopping), current: nil))
        // When
        let later = TaskHealth.after(Self.heartbeat(.running, .healthy), current: stopping)
        // Then
        #expect(stopping.phase == .stopping)
        #expect(later == nil)
    }

    /// Only a reporting task expires; an expired one comes back with the next heartbeat.
    @Test func expired_whenReporting_expiresAndRecovers() throws {
        // Given
        let reporting = TaskHealth(phase: .reporting, containers: ["app": .healthy])
        // When
        let expired = try #require(reporting.expired(ttlSeconds: 15))
        // Then
        #expect(expired.phase == .expired)
        #expect(expired.overrideOutput?.contains("TTL of 15 s") == true)
        #expect(expired.expired(ttlSeconds: 15) == nil)
        #expect(TaskHealth.after(Self.heartbeat(), current: expired)?.phase == .reporting)
        #expect(TaskHealth(phase: .stopping, containers: [:]).expired(ttlSeconds: 15) == nil)
    }
}

/// ``ServiceRegistrationPlan`` with heartbeat health.
struct HeartbeatPlanTests {
    typealias P = ServiceRegistrationPlanTests

    static func checks(_ health: TaskHealth?, tags: MeshTags = P.withHealthSync("app")) throws -> [CatalogCheck] {
        let plan = try ServiceRegistrationPlan(task: P.task(), tags: tags, servicePort: 8080,
                                               containerHealth: ["app": .unhealthy], heartbeatHealth: health,
                                               configuration: .init())
        return try #require(P.intent(plan)).checks
    }

    /// Reported container health replaces the events' health.
    @Test func plan_whenHeartbeatHealthy_checkPasses() throws {
        // Given / When
        let checks = try Self.checks(TaskHealth(phase: .reporting, containers: ["app": .healthy]))
        // Then
        #expect(checks.allSatisfy { $0.status == .passing })
    }

    /// STOPPING and an expired TTL make every check critical with the reason, with or without health-sync containers.
    @Test(arguments: [TaskHealth.Phase.stopping, .expired])
    func plan_whenStoppingOrExpired_everyCheckCritical(phase: TaskHealth.Phase) throws {
        // Given
        let health = TaskHealth(phase: phase, containers: ["app": .healthy], ttlSeconds: 15)
        // When
        let withContainers = try Self.checks(health)
        let withoutContainers = try Self.checks(health, tags: P.meshTags)
        // Then
        for check in withContainers + withoutContainers {
            #expect(check.status == .critical)
            #expect(check.output == health.overrideOutput)
        }
    }
}
