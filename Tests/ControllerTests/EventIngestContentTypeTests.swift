import Testing
@testable import Controller

/// The media-type check of `POST /v1/events` (byte-level, no Foundation).
struct EventIngestContentTypeTests {
    /// JSON with parameters, any ASCII case and blanks around the type is accepted.
    @Test(arguments: [
        "application/json", "application/json; charset=utf-8", "Application/JSON",
        " application/json ;charset=UTF-8", "\tapplication/json\t", "APPLICATION/JSON;",
    ])
    func isJSON_whenJSONMediaType_accepts(_ contentType: String) {
        // Given / When / Then
        #expect(EventIngestHandler.isJSON(contentType))
    }

    /// Anything else, including near misses and a missing header, is refused.
    @Test(arguments: [
        nil, "", ";", "text/plain", "application/jsonx", "application/json-patch+json", "application/js",
        "application/ json", "xapplication/json", "application/problem+json",
    ] as [String?])
    func isJSON_whenOtherMediaType_refuses(_ contentType: String?) {
        // Given / When / Then
        #expect(!EventIngestHandler.isJSON(contentType))
    }
}
