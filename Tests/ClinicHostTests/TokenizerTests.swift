@testable import ClinicEngine
@testable import ClinicScript
@testable import ClinicShell
@testable import ClinicStorage
import Testing

@Suite struct TokenizerTests {
    @Test(arguments: [
        ("patient open BAR-001", ["patient", "open", "BAR-001"]),
        ("  a   b\t c ", ["a", "b", "c"]),
        (#"patient new --name "Zoë Ålvarez" --sex F"#, ["patient", "new", "--name", "Zoë Ålvarez", "--sex", "F"]),
        ("name='O''Brien'", ["name=OBrien"]),
        (#"a "it's" b"#, ["a", "it's", "b"]),
        (#"a \"b"#, ["a", "\"b"]),
        ("a # comment", ["a"]),
        ("a b#c", ["a", "b#c"]),
        ("note='# not a comment'", ["note=# not a comment"]),
        (#"x="""#, ["x="]),
        ("", []),
    ])
    func splits(_ line: String, _ words: [String]) throws {
        #expect(try Tokenizer.words(line) == words)
    }

    @Test(arguments: [#"a "b"#, "a 'b", #"a b\"#])
    func refusesUnterminated(_ line: String) {
        #expect(throws: Tokenizer.Failure.self) { try Tokenizer.words(line) }
    }

    @Test(arguments: ["plain", "Zoë Ålvarez", "it's", "a\"b", "$(rm -rf /)", "x; quit", "", "a\\b", "#hash",
                      "it'\u{064F}s"])  // a quote then a combining mark: one Character, found by Scripts/fuzz
    func quoteRoundTrips(_ word: String) throws {
        #expect(try Tokenizer.words("cmd " + Tokenizer.quote(word)) == ["cmd", word])
    }
}
