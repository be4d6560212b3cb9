import Testing

@Test func placeholder_JournalTests() { #expect(Bool(true)) }
