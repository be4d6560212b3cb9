import ByteCoding
import Testing

/// ``Hex``: one encoder and decoder of hexadecimal digits.
struct HexTests {
    /// Every byte becomes two digits, high nibble first, in the requested case.
    @Test func encode_whenBytes_givesTwoDigitsEach() {
        // Given
        let bytes: [UInt8] = [0x00, 0x0F, 0xA5, 0xFF]
        // When / Then
        #expect(Hex.encode(bytes) == "000fa5ff")
        #expect(Hex.encode(bytes, uppercase: true) == "000FA5FF")
        #expect(Hex.encode([UInt8]()) == "")
    }

    /// Decoding reverses encoding in either case, and refuses odd lengths and non-digits.
    @Test func decode_whenDigitsOrNot_givesBytesOrNil() {
        #expect(Hex.decode("000fA5Ff") == [0x00, 0x0F, 0xA5, 0xFF])
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode("0g") == nil)
    }

    /// SHA-256 hex matches the FIPS 180-2 test vector for "abc".
    @Test func sha256_whenKnownInput_matchesTestVector() {
        #expect(Hex.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.sha256([UInt8]("abc".utf8)) == Hex.sha256("abc"))
    }
}

/// ``PercentEncoding``: RFC 3986 `%XX` escapes.
struct PercentEncodingTests {
    /// Unreserved bytes stay; everything else, including UTF-8 and `/`, becomes upper-case `%XX`.
    @Test func encode_whenReservedAndUTF8_escapesWithUpperCaseHex() {
        #expect(PercentEncoding.encode("a-b.c_d~e") == "a-b.c_d~e")
        #expect(PercentEncoding.encode("a b/c=é") == "a%20b%2Fc%3D%C3%A9")
    }

    /// A custom set keeps what it accepts.
    @Test func encode_whenCustomSet_keepsWhatItAccepts() {
        let keep: (UInt8) -> Bool = { PercentEncoding.isUnreserved($0) || $0 == UInt8(ascii: ":") }
        #expect(PercentEncoding.encode("arn:aws/x", keeping: keep) == "arn:aws%2Fx")
    }

    /// A path segment keeps `:` and `@` and escapes `/`, so an ARN stays one segment.
    @Test func encodePathSegment_whenARN_keepsColonsAndEscapesSlash() {
        #expect(PercentEncoding.encodePathSegment("arn:aws:ecs:r:1:cluster/a b@c") == "arn:aws:ecs:r:1:cluster%2Fa%20b@c")
    }

    /// A query string escapes names and values (`+` too, which servers read as a space); none is empty.
    @Test func queryString_whenItems_escapesEachAndJoins() {
        #expect(PercentEncoding.queryString([("key", "a b+c/d"), ("n", "1")]) == "?key=a%20b%2Bc%2Fd&n=1")
        #expect(PercentEncoding.queryString([]) == "")
    }

    /// Escapes decode in either case; malformed ones stay as written; `+` is a space only when asked.
    @Test func decode_whenEscapesValidOrNot_decodesOrKeepsLiterally() {
        #expect(PercentEncoding.decode("a%20b%2fc") == "a b/c")
        #expect(PercentEncoding.decode("100%") == "100%")
        #expect(PercentEncoding.decode("%zz%4") == "%zz%4")
        #expect(PercentEncoding.decode("a+b") == "a+b")
        #expect(PercentEncoding.decode("a+b", plusAsSpace: true) == "a b")
        #expect(PercentEncoding.decode("%C3%A9") == "é")
    }
}

/// ``JSONString``: quoted JSON string literals.
struct JSONStringTests {
    /// Quotes, backslashes and control characters are escaped; other bytes are copied.
    @Test func appendQuoted_whenSpecialCharacters_escapesThem() {
        // Given
        var bytes: [UInt8] = []
        var text = "x="
        // When
        JSONString.appendQuoted("a\"b\\c\nd\re\tf\u{1}g é", to: &bytes)
        JSONString.appendQuoted("q\"", to: &text)
        // Then
        #expect(String(decoding: bytes, as: UTF8.self) == #""a\"b\\c\nd\re\tf\u0001g é""#)
        #expect(text == #"x="q\"""#)
    }
}
