import Foundation
import Testing

/// What the journal keeps of a scripted day full of identifying text, typos and a password typed in
/// the wrong place: commands that recorded something, as they recorded it; of everything else,
/// nothing but command words, field names and values that identify nobody.
extension EndToEnd {
@Suite struct JournalPrivacyTests {
    /// Text that must never reach the journal, each in a line that fails or records nothing.
    static let secrets = ["Quillfeather", "Zed-nick", "staff-pass1", "Hollowmere", "Larkspur", "suicidal plan", "Brightwater", "wrong-pass9", "Quillpass"]

    @Test func theJournalKeepsNothingOfWhatWasNotRecorded() throws {
        let h = try Harness(sandbox: true)
        try h.sandboxWithStaff()
        let inner = try h.write("inner.clinic", "echo ${WHO}\nfoo ${WHO}\n")
        let day = try h.write("day.clinic", """
            patient new --name 'Ana Lima' --dob 1981-02-11 --sex F --mrn A-1
            visit start --kind infusion
            patinet new --name Quillfeather
            patient new --name Zora Quillfeather --dob 1979-03-04 --sex F
            patient new --name 'Zora Q' --nickname Zed-nick --dob 1979-03-04 --sex F
            staff-pass1
            set SECRET Hollowmere
            echo ${SECRET} was here
            intake weight 72kg note='lives at 12 Larkspur Lane'
            screening acknowledge 'suicidal plan'
            consent withdraw 'moving to Brightwater'
            login Quillpass
            run \(inner) --var WHO=Hollowmere
            """)
        let r = try h.run(["--user", "nora", "--keep-going", day], env: ["CLINIC_PASSWORD": "staff-pass1"])
        #expect(r.status == 1, "some lines fail, as they should")
        // The same in a shell session's standard input, with a password typed at the login prompt.
        _ = try h.run(["--user", "nora", "--keep-going"], stdin: "login\nwrong-pass9\nQuillfeather Quillpass\n", env: ["CLINIC_PASSWORD": "staff-pass1"])
        let journal = try h.sql("SELECT command || ' | ' || message FROM journal")
        for secret in Self.secrets {
            #expect(!journal.contains { $0.contains(secret) }, "\(secret) reached the journal: \(journal.filter { $0.contains(secret) })")
        }
        #expect(journal.contains { $0.hasPrefix("(unrecognised input, 31 characters) | ") }, "\(journal)")
        #expect(journal.contains { $0.hasPrefix("(unrecognised input, 11 characters) | ") }, "the password typed as a command")
        #expect(journal.contains { $0.hasPrefix("patient new --name … --dob … --sex F | ") }, "\(journal)")
        #expect(journal.contains { $0.hasPrefix("login … | sign-in failed: unknown name or wrong password") }, "\(journal)")
        #expect(journal.contains { $0.hasPrefix("run \(inner) --var 'WHO=…' | ") }, "\(journal)")
        // What was recorded is kept as it was recorded: the replay reproduces it.
        #expect(journal.contains { $0.hasPrefix("patient new name='Ana Lima' dob=1981-02-11 sex=F mrn=A-1") })
        // The access log holds the unknown name as (unknown), never as typed.
        #expect(try h.sql("SELECT count(*) FROM access WHERE username LIKE '%Quill%' OR username LIKE '%pass%'") == ["0"])
    }
}
}
