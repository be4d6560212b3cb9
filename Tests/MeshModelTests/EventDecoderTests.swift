import Foundation
import MeshModel
import Testing

/// `EventDecoder` on bodies it must accept.
struct EventDecoderTests {
    /// Whether `date` is `seconds` after 1970 to within a microsecond.
    func isClose(_ date: Date?, _ seconds: Double) -> Bool {
        guard let date else { return false }
        return abs(date.timeIntervalSince1970 - seconds) < 1e-6
    }

    /// The running sample decodes with every field the controller reads.
    @Test func decode_whenRunningSample_readsEveryUsedField() throws {
        // Given
        let body = try EventFixtures.running()

        // When
        let events = try EventDecoder().decode(body)

        // Then
        let event = try #require(events.only)
        let change = event.change
        #expect(event.rawJSON == body)
        #expect(change.eventID == "3f1e2b9a-5c7d-4e8f-9a0b-1c2d3e4f5a6b")
        #expect(isClose(change.eventTime, 1_773_480_413))
        #expect(change.account == "111122223333")
        #expect(change.region == "us-east-1")
        #expect(change.taskArn == EventFixtures.taskArn)
        #expect(change.taskID == "7b3f0c2e9d4a4f1b8c6e5d2a1f0e9b8c")
        #expect(change.clusterArn == EventFixtures.clusterArn)
        #expect(change.taskDefinitionArn == EventFixtures.taskDefinitionArn)
        #expect(change.group == "service:web")
        #expect(change.startedBy == "ecs-svc/8646900195280463695")
        #expect(change.launchType == "FARGATE")
        #expect(change.availabilityZone == "us-east-1a")
        #expect(change.lastStatus == .running)
        #expect(change.desiredStatus == .running)
        #expect(change.version == 3)
        #expect(change.address == "10.0.215.105")
        #expect(change.containers == [ContainerState(name: "web", lastStatus: "RUNNING")])
        #expect(change.stopCode == nil && change.stoppedReason == nil && change.stoppedAt == nil)
        #expect(isClose(change.updatedAt, 1_773_480_413.52))  // two fraction digits
        #expect(isClose(change.startedAt, 1_773_480_413.52))
    }

    /// The stopped sample decodes with its stop fields, exit code and the address of a DELETED ENI.
    @Test func decode_whenStoppedSample_readsStopFields() throws {
        // Given
        let body = try EventFixtures.stopped()

        // When
        let change = try #require(try EventDecoder().decode(body).only).change

        // Then
        #expect(change.eventID == "47cc72d7-e8dd-320c-cba3-a8d73d1f8d0d")
        #expect(change.lastStatus == .stopped)
        #expect(change.desiredStatus == .stopped)
        #expect(change.version == 6)
        #expect(change.address == "10.0.215.105")
        #expect(change.containers == [ContainerState(name: "web", lastStatus: "STOPPED", exitCode: 137)])
        #expect(change.stopCode == "ServiceSchedulerInitiated")
        #expect(change.stoppedReason == "Scaling activity initiated by (deployment ecs-svc/8646900195280463695)")
        #expect(isClose(change.stoppedAt, 1_773_484_590.177))  // three fraction digits
        #expect(isClose(change.updatedAt, 1_773_484_590.177))
    }

    /// DescribeTasks names the ENI attachment type "ElasticNetworkInterface"; its address counts too.
    @Test func decode_whenAttachmentTypeIsElasticNetworkInterface_readsAddress() throws {
        // Given
        let body = EventFixtures.minimal(extraDetail: """
            ,"attachments":[{"type":"ElasticNetworkInterface","status":"ATTACHED","details":[\
            {"name":"subnetId","value":"subnet-1"},{"value":"10.108.237.107","name":"privateIPv4Address"}]}]
            """)

        // When
        let change = try #require(try EventDecoder().decode(Array(body.utf8)).only).change

        // Then
        #expect(change.address == "10.108.237.107")
    }

    /// Without an ENI attachment, the first container network interface gives the address.
    @Test func decode_whenOnlyContainerHasAddress_usesContainerAddress() throws {
        // Given
        let body = EventFixtures.minimal(extraDetail: """
            ,"attachments":[{"type":"ElasticLoadBalancer","details":[{"name":"privateIPv4Address","value":"10.9.9.9"}]}],\
            "containers":[{"name":"init","networkInterfaces":[]},\
            {"name":"app","networkInterfaces":[{"attachmentId":"a","privateIpv4Address":"10.0.0.7"}]},\
            {"name":"sidecar","networkInterfaces":[{"privateIpv4Address":"10.0.0.8"}]}]
            """)

        // When
        let change = try #require(try EventDecoder().decode(Array(body.utf8)).only).change

        // Then
        #expect(change.address == "10.0.0.7")
        #expect(change.containers.map(\.name) == ["init", "app", "sidecar"])
    }

    /// An ENI attachment address wins over a container address, whatever the member order.
    @Test func decode_whenBothAddressesPresent_prefersAttachment() throws {
        // Given
        let body = EventFixtures.minimal(extraDetail: """
            ,"containers":[{"name":"app","networkInterfaces":[{"privateIpv4Address":"10.0.0.7"}]}],\
            "attachments":[{"details":[{"name":"privateIPv4Address","value":"10.0.0.1"}],"type":"eni"}]
            """)

        // When
        let change = try #require(try EventDecoder().decode(Array(body.utf8)).only).change

        // Then
        #expect(change.address == "10.0.0.1")
    }

    /// A batch decodes in order and each event keeps exactly its own bytes.
    @Test func decode_whenBatchOfTwo_returnsBothWithTheirOwnBytes() throws {
        // Given
        let first = EventFixtures.minimal(version: 3)
        let second = EventFixtures.minimal(version: 4, lastStatus: "STOPPED")
        let body = Array(" [\n \(first) ,\(second)\n] ".utf8)

        // When
        let events = try EventDecoder().decode(body)

        // Then
        #expect(events.map(\.change.version) == [3, 4])
        #expect(events.map(\.change.lastStatus) == [.running, .stopped])
        #expect(events.map(\.rawJSON) == [Array(first.utf8), Array(second.utf8)])
    }

    /// A batch of exactly `maxBatch` events is accepted.
    @Test func decode_whenBatchIsAtMaximum_acceptsIt() throws {
        // Given
        let body = "[" + (1...3).map { EventFixtures.minimal(version: $0) }.joined(separator: ",") + "]"

        // When
        let events = try EventDecoder(maxBatch: 3).decode(Array(body.utf8))

        // Then
        #expect(events.count == 3)
    }

    /// Members the controller does not know, of any JSON type, are skipped.
    @Test func decode_whenUnknownFieldsPresent_ignoresThem() throws {
        // Given
        let body = try EventFixtures.runningEdited { envelope, detail in
            envelope["futureEnvelopeField"] = ["nested": [1, 2.5e10, true, NSNull(), ["deep": "é☃😀"]]]
            detail["capacityProviderName"] = "FARGATE_SPOT"
            detail["cpu"] = 256  // a number here, a string in the samples: ignored either way
            detail["memory"] = "512"
            detail["eventMetadata"] = ["x": [[], [:]]]
        }

        // When
        let change = try #require(try EventDecoder().decode(body).only).change

        // Then
        #expect(change.version == 3)
        #expect(change.address == "10.0.215.105")
    }

    /// Optional fields given as JSON null are treated as absent.
    @Test func decode_whenOptionalFieldsAreNull_treatsThemAsAbsent() throws {
        // Given
        let body = try EventFixtures.runningEdited { envelope, detail in
            envelope["time"] = NSNull()
            envelope["account"] = NSNull()
            for key in ["desiredStatus", "group", "taskDefinitionArn", "updatedAt", "startedAt", "attachments"] {
                detail[key] = NSNull()
            }
            detail["containers"] = [["name": "web", "exitCode": NSNull(), "networkInterfaces": NSNull()]]
        }

        // When
        let change = try #require(try EventDecoder().decode(body).only).change

        // Then
        #expect(change.eventTime == nil && change.account == nil)
        #expect(change.desiredStatus == nil && change.group == nil && change.taskDefinitionArn == nil)
        #expect(change.updatedAt == nil && change.startedAt == nil)
        #expect(change.address == nil)
        #expect(change.containers == [ContainerState(name: "web")])
    }

    /// An event with only the required fields decodes (moto's shape).
    @Test func decode_whenMinimalEvent_decodesWithDefaults() throws {
        // Given
        let body = Array(EventFixtures.minimal().utf8)

        // When
        let change = try #require(try EventDecoder().decode(body).only).change

        // Then
        #expect(change == TaskStateChange(
            eventID: "e-3", eventTime: Date(timeIntervalSince1970: 1_773_480_413),
            taskArn: EventFixtures.taskArn, clusterArn: EventFixtures.clusterArn,
            lastStatus: .running, version: 3))
    }

    /// Escapes are decoded in values and in member names.
    @Test func decode_whenStringsHaveEscapes_unescapesThem() throws {
        // Given
        let body = EventFixtures.minimal(extraDetail: #"""
            ,"stoppedReason":"line\n\"quoted\" caf\u00e9 \ud83d\ude00 \/ \\","\u0067roup":"service:w\u0065b"
            """#)

        // When
        let change = try #require(try EventDecoder().decode(Array(body.utf8)).only).change

        // Then
        #expect(change.stoppedReason == "line\n\"quoted\" café 😀 / \\")
        #expect(change.group == "service:web")
    }

    /// A byte-order mark and surrounding whitespace are accepted; rawJSON is still the body as received.
    @Test func decode_whenBodyHasByteOrderMarkAndWhitespace_decodes() throws {
        // Given
        let body: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("\r\n\t \(EventFixtures.minimal()) \n".utf8)

        // When
        let event = try #require(try EventDecoder().decode(body).only)

        // Then
        #expect(event.rawJSON == body)
        #expect(event.change.version == 3)
    }

    /// Timestamps given as epoch seconds (DescribeTasks style) are read too.
    @Test func decode_whenTimestampIsEpochNumber_readsIt() throws {
        // Given
        let body = EventFixtures.minimal(extraDetail: #","startedAt":1773480413.52"#)

        // When
        let change = try #require(try EventDecoder().decode(Array(body.utf8)).only).change

        // Then
        #expect(isClose(change.startedAt, 1_773_480_413.52))
    }

    /// A container without a name is dropped; the rest of the event is kept.
    @Test func decode_whenContainerHasNoName_skipsThatContainer() throws {
        // Given
        let body = EventFixtures.minimal(extraDetail: #","containers":[{"lastStatus":"RUNNING"},{"name":"app","healthStatus":"HEALTHY"}]"#)

        // When
        let change = try #require(try EventDecoder().decode(Array(body.utf8)).only).change

        // Then
        #expect(change.containers == [ContainerState(name: "app", healthStatus: "HEALTHY")])
    }

    /// A status ECS may add later is kept as-is, with no lifecycle rank.
    @Test func decode_whenStatusIsUnknown_keepsIt() throws {
        // Given
        let body = Array(EventFixtures.minimal(lastStatus: "HIBERNATING").utf8)

        // When
        let change = try #require(try EventDecoder().decode(body).only).change

        // Then
        #expect(change.lastStatus.rawValue == "HIBERNATING")
        #expect(change.lastStatus.rank == nil)
    }

    /// Version 0 and the largest 64-bit version are accepted.
    @Test(arguments: [Int64(0), Int64.max])
    func decode_whenVersionAtBounds_acceptsIt(version: Int64) throws {
        // Given
        let body = EventFixtures.minimal().replacingOccurrences(of: #""version":3"#, with: #""version":\#(version)"#)

        // When
        let change = try #require(try EventDecoder().decode(Array(body.utf8)).only).change

        // Then
        #expect(change.version == version)
    }
}

extension Array {
    /// The single element, or `nil` if there is not exactly one.
    var only: Element? { count == 1 ? first : nil }
}
