import Testing

@Test func placeholder_MeshModelTests() { #expect(Bool(true)) }
