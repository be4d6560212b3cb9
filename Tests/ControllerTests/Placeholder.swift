import Testing

@Test func placeholder_ControllerTests() { #expect(Bool(true)) }
