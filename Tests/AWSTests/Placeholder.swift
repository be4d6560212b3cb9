import Testing

@Test func placeholder_AWSTests() { #expect(Bool(true)) }
