import Testing

@Test func placeholder_ConsulTests() { #expect(Bool(true)) }
