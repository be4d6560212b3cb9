import Foundation
import MeshModel
import Testing

/// `EventDecoder` on bodies it must reject, and the error it names.
struct EventDecoderErrorTests {
    /// The error `decode` throws for `body`, or `nil` if it decodes.
    func error(decoding body: String, maxBatch: Int = 100) -> EventDecodingError? {
        error(decoding: Array(body.utf8), maxBatch: maxBatch)
    }

    func error(decoding body: [UInt8], maxBatch: Int = 100) -> EventDecodingError? {
        do {
            _ = try EventDecoder(maxBatch: maxBatch).decode(body)
            return nil
        } catch {
            return error
        }
    }

    func isMalformed(_ error: EventDecodingError?) -> Bool {
        if case .malformedJSON = error { return true }
        return false
    }

    /// An empty array is its own error.
    @Test func decode_whenEmptyArray_throwsEmptyBatch() {
        #expect(error(decoding: " [ ] ") == .emptyBatch)
    }

    /// More events than `maxBatch` is an invalid value of the body.
    @Test func decode_whenBatchExceedsMaximum_throwsInvalidValue() {
        // Given
        let body = "[" + (1...4).map { EventFixtures.minimal(version: $0) }.joined(separator: ",") + "]"

        // When
        let thrown = error(decoding: body, maxBatch: 3)

        // Then
        #expect(thrown == .invalidValue(path: "", reason: "a batch holds at most 3 events, this one has 4"))
    }

    /// The default maximum is 100 events.
    @Test func decode_whenBatchOf101_throwsInvalidValue() {
        let body = "[" + Array(repeating: EventFixtures.minimal(), count: 101).joined(separator: ",") + "]"
        #expect(error(decoding: body) == .invalidValue(path: "", reason: "a batch holds at most 100 events, this one has 101"))
    }

    /// Bodies that are not JSON, or not strict RFC 8259 UTF-8 JSON, are malformed.
    @Test(arguments: [
        "", "   ", "{", "[", "{\"id\":}", "{\"id\":\"x\",}", "[1,]", "{'id':'x'}", "{\"id\" \"x\"}",
        "{\"a\":1} {\"b\":2}", "{\"a\":1}x", "{\"a\":01}", "{\"a\":-}", "{\"a\":1.}", "{\"a\":1e}", "{\"a\":.5}",
        "{\"a\":tru}", "{\"a\":nul}", "{\"a\":NaN}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12G4\"}",
        "{\"a\":\"\\ud83d\"}", "{\"a\":\"\\ude00\"}", "{\"a\":\"tab\there\"}", "{\"a\":\"unterminated}",
        "{\"a\":\"x\"", "{1:2}", "[\"a\" \"b\"]",
    ])
    func decode_whenSyntaxIsInvalid_throwsMalformedJSON(body: String) {
        #expect(isMalformed(error(decoding: body)))
    }

    /// Invalid UTF-8 inside a string is malformed (overlong, surrogate, truncated, stray continuation).
    @Test(arguments: [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF]] as [[UInt8]])
    func decode_whenStringHasInvalidUTF8_throwsMalformedJSON(bytes: [UInt8]) {
        // Given: the bytes inside an ignored string member, so only the scanner's validation can catch them
        let body = Array(#"{"note":""#.utf8) + bytes + Array(#""}"#.utf8)

        // When / Then
        #expect(isMalformed(error(decoding: body)))
    }

    /// Every truncation of a valid event is malformed, never a crash or a partial event.
    @Test func decode_whenBodyTruncatedAnywhere_throwsMalformedJSON() throws {
        // Given
        let body = try EventFixtures.stopped()
        let lastContent = try #require(body.lastIndex { !(" \n\r\t".utf8.contains($0)) })

        // When
        let accepted = (0...lastContent).filter { !isMalformed(error(decoding: Array(body[..<$0]))) }

        // Then
        #expect(accepted.isEmpty)
    }

    /// Deeply nested input is rejected without exhausting the stack.
    @Test func decode_whenNestingIsTooDeep_throwsMalformedJSON() {
        // Given
        let body = #"{"x":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"

        // When
        let thrown = error(decoding: body)

        // Then
        #expect(thrown == .malformedJSON(detail: "nesting deeper than 64 levels at byte 68"))
    }

    /// Valid JSON that is neither an object nor an array is the wrong type of body.
    @Test(arguments: [#""an event""#, "42", "true", "null"])
    func decode_whenTopLevelIsNotObjectOrArray_throwsWrongType(body: String) {
        #expect(error(decoding: body) == .wrongType(path: "", expected: "a JSON object or an array of objects"))
    }

    /// A batch element that is not an object is named by its index.
    @Test func decode_whenBatchElementIsNotObject_namesIt() {
        #expect(error(decoding: "[\(EventFixtures.minimal()), 7]") == .wrongType(path: "[1]", expected: "an object"))
    }

    /// A missing `detail.taskArn` is named, and its description is a readable sentence.
    @Test func decode_whenTaskArnMissing_throwsMissingField() throws {
        // Given
        let body = try EventFixtures.runningEdited { _, detail in detail["taskArn"] = nil }

        // When
        let thrown = try #require(error(decoding: body))

        // Then
        #expect(thrown == .missingField(path: "detail.taskArn"))
        #expect(thrown.description == #"missing required field "detail.taskArn""#)
    }

    /// In a batch, the path starts with the element index.
    @Test func decode_whenBatchElementLacksVersion_namesElementPath() {
        // Given
        let broken = EventFixtures.minimal().replacingOccurrences(of: #","version":3"#, with: "")
        let body = "[\(EventFixtures.minimal()),\(EventFixtures.minimal()),\(broken)]"

        // When / Then
        #expect(error(decoding: body) == .missingField(path: "[2].detail.version"))
    }

    /// Each required field, when absent or null, is named by its path.
    @Test(arguments: [
        ("id", "id"), ("detail", "detail"), ("detail-type", "detail-type"), ("source", "source"),
        ("clusterArn", "detail.clusterArn"), ("lastStatus", "detail.lastStatus"), ("version", "detail.version"),
    ])
    func decode_whenRequiredFieldIsNull_throwsMissingField(key: String, path: String) throws {
        // Given
        let body = try EventFixtures.runningEdited { envelope, detail in
            if path.hasPrefix("detail.") { detail[key] = NSNull() } else { envelope[key] = NSNull() }
        }

        // When / Then
        #expect(error(decoding: body) == .missingField(path: path))
    }

    /// `detail.version` must be a JSON integer: a string or a float is the wrong type.
    @Test(arguments: [#""3""#, "3.0", "3e0", "true", "[3]"])
    func decode_whenVersionIsNotInteger_throwsWrongType(version: String) {
        // Given
        let body = EventFixtures.minimal().replacingOccurrences(of: #""version":3"#, with: #""version":\#(version)"#)

        // When / Then
        #expect(error(decoding: body) == .wrongType(path: "detail.version", expected: "an integer"))
    }

    /// A negative or out-of-range version is an invalid value.
    @Test(arguments: ["-1", "9223372036854775808", "-9223372036854775809"])
    func decode_whenVersionOutOfRange_throwsInvalidValue(version: String) {
        // Given
        let body = EventFixtures.minimal().replacingOccurrences(of: #""version":3"#, with: #""version":\#(version)"#)

        // When
        let thrown = error(decoding: body)

        // Then
        guard case .invalidValue(let path, _) = thrown else {
            Issue.record("expected invalidValue, got \(String(describing: thrown))")
            return
        }
        #expect(path == "detail.version")
    }

    /// An EC2 event, whose detail has another shape, is "not a task state change" rather than a missing field.
    @Test func decode_whenDetailTypeIsEC2_throwsNotTaskStateChange() throws {
        // Given
        let body = #"""
            {"detail":{"instance-id":"i-0123","state":"running","containers":"n/a"},"version":"0","id":"x",
             "detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","time":"2026-03-14T09:26:53Z"}
            """#

        // When
        let thrown = try #require(error(decoding: body))

        // Then
        #expect(thrown == .notTaskStateChange(path: "detail-type", found: "EC2 Instance State-change Notification"))
        #expect(thrown.description.contains("not an ECS task state change"))
    }

    /// A task state change from another source is rejected on `source`.
    @Test func decode_whenSourceIsNotECS_throwsNotTaskStateChange() throws {
        // Given
        let body = try EventFixtures.runningEdited { envelope, _ in envelope["source"] = "aws.ec2" }

        // When / Then
        #expect(error(decoding: body) == .notTaskStateChange(path: "source", found: "aws.ec2"))
    }

    /// The kind check comes before required fields even inside a batch.
    @Test func decode_whenBatchHasForeignEvent_namesItByIndex() {
        // Given
        let foreign = #"{"detail-type":"ECS Container Instance State Change","source":"aws.ecs","detail":{}}"#
        let body = "[\(EventFixtures.minimal()),\(foreign)]"

        // When / Then
        #expect(error(decoding: body)
            == .notTaskStateChange(path: "[1].detail-type", found: "ECS Container Instance State Change"))
    }

    /// A syntax error anywhere wins over an earlier event's own problem.
    @Test func decode_whenBatchHasMissingFieldAndLaterSyntaxError_throwsMalformedJSON() {
        // Given
        let missing = EventFixtures.minimal().replacingOccurrences(of: #","version":3"#, with: "")
        let body = "[\(missing),{\"id\":]"

        // When / Then
        #expect(isMalformed(error(decoding: body)))
    }

    /// Wrong JSON types for envelope and detail members are named by path.
    @Test(arguments: [
        (#""detail-type":1"#, "detail-type", "a string"),
        (#""detail":"{}""#, "detail", "an object"),
        (#""id":42"#, "id", "a string"),
    ])
    func decode_whenEnvelopeMemberHasWrongType_throwsWrongType(member: String, path: String, expected: String) {
        // Given: later members win, so appending overrides the sample's value
        let body = EventFixtures.minimal().dropLast() + ",\(member)}"

        // When / Then
        #expect(error(decoding: String(body)) == .wrongType(path: path, expected: expected))
    }

    /// A field the controller reads must have its JSON type even though it is optional.
    @Test(arguments: [
        (#","group":5"#, EventDecodingError.wrongType(path: "detail.group", expected: "a string")),
        (#","containers":{}"#, .wrongType(path: "detail.containers", expected: "an array")),
        (#","containers":[{"name":"a"},{"name":"b","exitCode":"1"}]"#,
         .wrongType(path: "detail.containers[1].exitCode", expected: "an integer")),
        (#","attachments":[{"type":"eni","details":[{"name":"privateIPv4Address","value":10}]}]"#,
         .wrongType(path: "detail.attachments[0].details[0].value", expected: "a string")),
        (#","startedAt":true"#, .wrongType(path: "detail.startedAt", expected: "an ISO-8601 timestamp string")),
    ])
    func decode_whenOptionalFieldHasWrongType_throwsWrongType(extra: String, expected: EventDecodingError) {
        #expect(error(decoding: EventFixtures.minimal(extraDetail: extra)) == expected)
    }

    /// Unparseable timestamps are invalid values.
    @Test func decode_whenUpdatedAtUnparseable_throwsInvalidValue() {
        #expect(error(decoding: EventFixtures.minimal(extraDetail: #","updatedAt":"yesterday""#))
            == .invalidValue(path: "detail.updatedAt", reason: #""yesterday" is not an ISO-8601 timestamp"#))
    }

    /// The envelope time is checked too.
    @Test func decode_whenTimeUnparseable_throwsInvalidValue() {
        let body = EventFixtures.minimal().replacingOccurrences(of: "2026-03-14T09:26:53Z", with: "2026-03-14 09:26:53")
        #expect(error(decoding: body) == .invalidValue(path: "time", reason: #""2026-03-14 09:26:53" is not an ISO-8601 timestamp"#))
    }

    /// Required fields are reported before problems in optional ones.
    @Test func decode_whenOptionalProblemAndMissingRequired_reportsRequiredFirst() {
        // Given
        let body = EventFixtures.minimal(extraDetail: #","group":5"#).replacingOccurrences(of: #","version":3"#, with: "")

        // When / Then
        #expect(error(decoding: body) == .missingField(path: "detail.version"))
    }

    /// ARNs that are not ECS task or cluster ARNs are invalid values.
    @Test(arguments: [
        ("taskArn", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", "detail.taskArn"),
        ("taskArn", "7b3f0c2e9d4a4f1b8c6e5d2a1f0e9b8c", "detail.taskArn"),
        ("clusterArn", "apps", "detail.clusterArn"),
        ("clusterArn", EventFixtures.taskArn, "detail.clusterArn"),
    ])
    func decode_whenArnIsNotECS_throwsInvalidValue(key: String, value: String, path: String) throws {
        // Given
        let body = try EventFixtures.runningEdited { _, detail in detail[key] = value }

        // When
        let thrown = error(decoding: body)

        // Then
        guard case .invalidValue(let thrownPath, _) = thrown else {
            Issue.record("expected invalidValue, got \(String(describing: thrown))")
            return
        }
        #expect(thrownPath == path)
    }

    /// Every error has a one-sentence description for problem+json.
    @Test func description_whenEachCase_namesTheProblem() {
        #expect(EventDecodingError.malformedJSON(detail: "unexpected end of input at byte 3").description
            == "malformed JSON: unexpected end of input at byte 3")
        #expect(EventDecodingError.wrongType(path: "detail.version", expected: "an integer").description
            == #"field "detail.version" must be an integer"#)
        #expect(EventDecodingError.invalidValue(path: "detail.taskArn", reason: "not an ECS task ARN").description
            == #"invalid value for field "detail.taskArn": not an ECS task ARN"#)
        #expect(EventDecodingError.emptyBatch.description == "the batch is an empty array; send at least one event")
        #expect(EventDecodingError.notTaskStateChange(path: "source", found: "aws.ec2").description
            == #"not an ECS task state change: "source" is "aws.ec2""#)
    }
}
