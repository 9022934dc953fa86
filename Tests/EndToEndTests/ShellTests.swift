import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import Testing

/// The interactive shell in a real pseudo-terminal (tmux): what a nurse's keystrokes do.
extension EndToEnd {
@Suite struct ShellTests {
    /// One tmux server of the test's own, with the shell running in it.
    final class Terminal {
        let harness: Harness
        let socket = "clinic-test-\(UUID().uuidString.prefix(8))"

        init(_ harness: Harness) { self.harness = harness }

        /// Runs tmux through popen, which waits for the client itself (Foundation's Process did not
        /// always reap a tmux client whose server it had just started); a client that has not
        /// answered in 30 s is killed, and the test fails rather than waits.
        @discardableResult
        func tmux(_ args: [String]) throws -> Harness.Result {
            let quoted = (["/usr/bin/timeout", "-s", "KILL", "30", "/usr/bin/tmux", "-L", socket] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
            guard let pipe = popen(quoted.joined(separator: " ") + " 2>/dev/null", "r") else { throw CancellationError() }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = fread(&buffer, 1, buffer.count, pipe)
                if n <= 0 { break }
                bytes += buffer[0..<n]
            }
            let status = pclose(pipe)
            return Harness.Result(status: status, stdout: String(decoding: bytes, as: UTF8.self), stderr: "")
        }

        /// Starts `clinic ARGUMENTS` in a terminal 120 (or `width`) columns by 40 rows and waits for `ready` on the screen.
        func start(_ arguments: [String] = ["--user", "nora"], env: [String: String] = Harness.nurse, ready: String = "nora (nurse)> ",
                   width: Int = 120) throws {
            let environment = harness.environment(env).map { "\($0.key)=\($0.value)" }
            try tmux(["new-session", "-d", "-s", "t", "-x", "\(width)", "-y", "40", "/usr/bin/env"] + environment + [Harness.clinic] + arguments)
            try waitFor(ready)
        }

        func keys(_ keys: String...) throws { try tmux(["send-keys", "-t", "t"] + keys) }

        func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", "t"]).stdout }

        /// Waits until the screen shows `text` (10 s at most).
        func waitFor(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            // capture-pane drops the spaces at the end of a line.
            var needle = text
            while needle.hasSuffix(" ") { needle.removeLast() }
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                if try screen().contains(needle) { return }
                usleep(50_000)
            }
            Issue.record("the screen never showed \(text.debugDescription):\n\(try screen())", sourceLocation: sourceLocation)
            throw CancellationError()
        }

        /// Waits until the line the cursor is on ends with `prompt` (a prompt already seen higher up
        /// the screen does not count).
        func waitForPrompt(_ prompt: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let needle = prompt.trimmingCharacters(in: .whitespaces)
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                if try currentLine().trimmingCharacters(in: .whitespaces).hasSuffix(needle) { return }
                usleep(50_000)
            }
            Issue.record("the cursor's line never ended with \(prompt.debugDescription):\n\(try screen())", sourceLocation: sourceLocation)
            throw CancellationError()
        }

        /// The line the cursor is on.
        func currentLine() throws -> String {
            let lines = try screen().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            return lines.last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
        }

        deinit { _ = try? tmux(["kill-server"]) }
    }

    @Test func completionPromptingInterruptAndHistory() throws {
        let h = try Harness()
        try h.provision()
        let seed = try h.write("seed.clinic", "patient new --name 'Zoë Ålvarez' --dob 1979-03-02 --sex F --mrn BAR-001\n")
        try #require(try h.run(["--user", "nora", seed], env: Harness.nurse).status == 0)

        let t = Terminal(h)
        try t.start()

        // Tab completes the command, the verb and the MRN.
        try t.keys("pa", "Tab")
        try t.waitFor("> patient ")
        try t.keys("op", "Tab")
        try t.waitFor("> patient open ")
        try t.keys("BA", "Tab")
        try t.waitFor("> patient open BAR-001")
        try t.keys("Enter")
        try t.waitFor("opened BAR-001 Zoë Ålvarez, F, 47 y")

        try t.keys("visit start --kind inf", "Tab", "Enter")
        try t.waitFor("started infusion visit #1")

        // A missing required field is asked for, with its unit and range; a bad answer is asked again.
        try t.keys("intake record height=165cm allergies=none medications=none pain_months=12 symptoms=fatigue onset=none treatments=none comorbidities=none pregnancy=no escort=yes", "Enter")
        try t.waitFor("weight (kg or lb, 20–350 kg): ")
        try t.keys("72", "Enter")
        try t.waitFor("error: 72 has no unit (kg or lb?); type the unit too, e.g. 72kg (? for help, ^^ to abandon)")
        try t.keys("158 lb", "Enter")
        try t.waitFor("= 71.7 kg")
        try t.waitFor("recorded intake #3 · 71.7 kg (158 lb)")

        // Ctrl-C at a prompt cancels the command; nothing is recorded and the shell goes on.
        try t.keys("intake record", "Enter")
        try t.waitFor("weight (kg or lb, 20–350 kg): ")
        try t.keys("C-c")
        try t.waitFor("cancelled: intake record cancelled; nothing was recorded")
        // Ctrl-C on a half-typed line drops the line.
        try t.keys("patient li", "C-c")
        try t.keys("whoami", "Enter")
        try t.waitFor("nora (nurse) since")
        #expect(try h.sql("SELECT COUNT(*) FROM records WHERE module = 'intake'") == ["1"])

        try t.keys("quit", "Enter")
        usleep(300_000)

        // History was saved, privately, and survives a restart.
        let history = try String(contentsOfFile: h.history, encoding: .utf8)
        #expect(history.contains("patient\\040open\\040BAR-001"))
        let mode = try FileManager.default.attributesOfItem(atPath: h.history)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let again = Terminal(h)
        try again.start()
        try again.keys("C-p")  // the last line: quit
        try again.keys("C-p")  // the one before: whoami
        try again.waitFor("> whoami")
        #expect(try again.currentLine().hasSuffix("> whoami"))
    }

    @Test func firstRunCreatesTheAdministratorInteractively() throws {
        let h = try Harness()
        let t = Terminal(h)
        try t.start([], env: [:], ready: "administrator name: ")
        try t.keys("chief", "Enter")
        try t.waitFor("new password for chief: ")
        try t.keys("long-enough-1", "Enter")
        try t.waitFor("again: ")
        try t.keys("long-enough-1", "Enter")
        try t.waitFor("signed in as chief (admin)")
        #expect(!(try t.screen()).contains("long-enough-1"), "the password is never echoed")
        #expect(try h.sql("SELECT username, roles FROM staff") == ["chief|admin"])
    }

    /// A text longer than the terminal (the consent) comes a page at a time.
    @Test func longTextsArePaged() throws {
        let h = try Harness()
        try h.provision()
        let t = Terminal(h)
        try t.start()
        try t.keys("patient new --name A --dob 1980-01-01 --sex F", "Enter")
        try t.waitFor("registered C000001")
        try t.keys("consent show", "Enter")
        try t.waitFor("-- more: Enter or space for the next page, q to stop --")
        #expect(!(try t.screen()).contains("to ketamine treatment as described."), "the end waits for the next page")
        // One key, no Enter.
        try t.keys("Space")
        try t.waitFor("to ketamine treatment as described.")
        try t.waitForPrompt("nora@C000001> ")

        // Text typed at the pager ends it and stays on the command line: nothing typed is lost.
        try t.keys("C-l")
        try t.keys("consent show", "Enter")
        try t.waitFor("-- more: Enter or space for the next page, q to stop --")
        try t.keys("whoami")
        try t.waitForPrompt("nora@C000001> whoami")
        try t.keys("Enter")
        try t.waitFor("nora (nurse)")
        #expect(!(try t.screen()).contains("to ketamine treatment as described."), "the pager stopped")
    }

    /// `?` is help: alone the commands, after a command its fields; help fits 80 columns.
    @Test func questionMarkIsHelp() throws {
        let h = try Harness()
        try h.provision()
        let t = Terminal(h)
        try t.start(width: 80)
        try t.keys("?", "Enter")
        try t.waitFor("Clinical work, by module")
        try t.keys("q")
        try t.waitForPrompt("nora (nurse)> ")
        try t.keys("C-l")
        try t.keys("monitoring vitals ?", "Enter")
        try t.waitFor("vital signs: NEWS2")
    }

    /// While an infusion runs, the prompt says when the next vital signs are due, and an overdue
    /// check is announced before the prompt, on the sandbox's clock.
    @Test func vitalsDueRideInThePrompt() throws {
        let h = try Harness(sandbox: true)
        let workflows = Harness.repository.appendingPathComponent("Workflows")
        let staff = Harness.staff
        try h.sandboxWithStaff()
        // The infusion day up to the pump's start at 09:00.
        let day = try String(contentsOf: workflows.appendingPathComponent("infusion-day.clinic"), encoding: .utf8)
        let start = try #require(day.range(of: "expect fact dosing.running\n"))
        let script = try h.write("start.clinic", String(day[..<start.upperBound]))
        let started = try h.run(["--user", "nora", script], env: staff)
        #expect(started.status == 0, "\(started.stderr)")

        let t = Terminal(h)
        try t.start(["--user", "nora"], env: staff)
        try t.keys("patient open DAY-001", "Enter")
        try t.waitForPrompt("(sandbox 09:00) nora@DAY-001 [infusion · vitals due 09:05]> ")
        try t.keys("clock advance 7min", "Enter")
        try t.waitFor("! DAY-001 Bea Costa · vitals OVERDUE 2 min: type monitoring vitals")
        try t.waitForPrompt("(sandbox 09:07) nora@DAY-001 [infusion · vitals OVERDUE 2 min]> ")
        try t.keys("monitoring vitals sbp=130 dbp=80 hr=70 spo2=98", "Enter")
        try t.waitForPrompt("(sandbox 09:07) nora@DAY-001 [infusion · vitals due 09:12]> ")
    }

    /// A full set of vital signs in at most 30 keystrokes, by the short form; left out, the signs the
    /// protocol requires are asked for, blood pressure as one answer, and Fahrenheit is converted.
    @Test func vitalsAndAResumeInAFewKeystrokes() throws {
        let h = try Harness(sandbox: true)
        let staff = Harness.staff
        try h.sandboxWithStaff()
        try ChairTests.startInfusion(h)

        let t = Terminal(h)
        try t.start(["--user", "nora"], env: staff)
        try t.keys("patient open DAY-001", "Enter")
        try t.waitForPrompt("(sandbox 09:00) nora@DAY-001 [infusion · vitals due 09:05]> ")
        let short = "v 130/80 70 14 98 36.8 A"
        #expect(short.count + 1 <= 30, "a full set of vital signs takes \(short.count + 1) keystrokes")
        try t.keys(short, "Enter")
        try t.waitFor("BP 130/80 · HR 70 · RR 14 · SpO2 98 % air · 36.8 °C · A")
        try t.waitForPrompt("nora@DAY-001 [infusion · vitals due 09:05]> ")
        try t.keys("C-l")
        // Only what the protocol requires is asked; bp is one answer; 98% and 98.6F are taken.
        try t.keys("v", "Enter")
        try t.waitForPrompt("bp (sbp/dbp): ")
        try t.keys("128", "Enter")
        try t.waitFor("'128' is not sbp/dbp")
        try t.waitForPrompt("bp (sbp/dbp): ")
        try t.keys("128/78", "Enter")
        try t.waitForPrompt("hr (a whole number, 20–250): ")
        try t.keys("72", "Enter")
        try t.waitForPrompt("spo2 (a whole number, 50–100 %): ")
        try t.keys("97%", "Enter")
        try t.waitFor("BP 128/78 · HR 72 · SpO2 97 % air")
        try t.keys("C-l")
        try t.keys("mon vit temp=98.6F hr=71 bp=126/80 spo2=98", "Enter")
        try t.waitFor("37 °C")
        // A stop criterion pauses the pump; the physician at the nurse's chair resumes it in two
        // lines (the command and the password), and the shell is the nurse's again, patient open.
        try t.keys("C-l")
        try t.keys("v 190/90 80 14 98", "Enter")
        try t.waitFor("Correct? [y/N]")
        try t.keys("y", "Enter")
        try t.waitFor("STOP THE PUMP NOW")
        try t.keys("monitoring acknowledge \"Dr Patel at the chair\"", "Enter")
        try t.waitFor("nora@DAY-001 [infusion · PAUSED · vitals")
        try t.keys("C-l")
        try t.keys("as patel dosing resume", "Enter")
        try t.waitForPrompt("password for patel: ")
        try t.keys("staff-pass1", "Enter")
        try t.waitFor("(as patel; nora is signed in again)")
        try t.waitFor("nora@DAY-001 [infusion · vitals due")
    }

    /// Patients are found by names folded for case and accents; a likely duplicate is asked about
    /// before it is made; Tab lists MRNs with their patients' names and dates of birth.
    @Test func patientsAreFoundAndNotDuplicated() throws {
        let h = try Harness()
        try h.provision()
        let script = try h.write("patients.clinic", """
            patient new --name "Jürgen Müller" --dob 1970-01-01 --sex M --mrn MU-1
            patient new --name "Zoë Ålvarez" --dob 1979-06-03 --sex F --mrn ZA-1
            """)
        #expect(try h.run(["--user", "nora", script], env: Harness.nurse).status == 0)
        let t = Terminal(h)
        try t.start()
        try t.keys("patient find muller", "Enter")
        try t.waitFor("Jürgen Müller")
        try t.keys("patient find zoe alvarez", "Enter")
        try t.waitFor("Zoë Ålvarez")
        try t.keys("C-l")
        try t.keys("patient new --name 'ZOE ALVAREZ' --dob 1979-06-03 --sex F", "Enter")
        try t.waitFor("ZA-1 Zoë Ålvarez, F")
        try t.waitFor("same name and date of birth. Register another patient anyway? [y/N]")
        try t.keys("n", "Enter")
        try t.waitFor("patient new cancelled; nothing was recorded; open them: patient open ZA-1")
        #expect(try h.run(["--user", "nora", "-c", "patient list"], env: Harness.nurse).stdout.components(separatedBy: "Alvarez").count == 1)
        try t.keys("C-l")
        try t.keys("patient open ", "Tab")
        try t.waitFor("Zoë Ålvarez 1979-06-03")
        try t.waitFor("Jürgen Müller 1970-01-01")
        #expect(try t.screen().split(separator: "\n").contains { $0.hasPrefix("ZA-1 ") && $0.hasSuffix("Zoë Ålvarez 1979-06-03") })
    }

    /// A session typed at a real terminal, with prompted answers and passwords, recorded; its
    /// replay into a fresh database reproduces the same record and hash chain.
    @Test func aRecordedSessionReplaysIntoTheSameRecord() throws {
        let h = try Harness(sandbox: true)
        let recording = h.folder.appendingPathComponent("visit.clinic").path
        let t = Terminal(h)
        try t.start(["--sandbox", "--db", h.database, "--record", recording], env: [:], ready: "administrator name: ")
        try t.keys("chief", "Enter")
        try t.waitFor("new password for chief: ")
        try t.keys("secret-one-1", "Enter")
        try t.waitFor("again: ")
        try t.keys("secret-one-1", "Enter")
        try t.waitFor("SANDBOX: entries here are for training and tests")
        try t.keys("user add nora --role nurse", "Enter")
        try t.waitFor("new password for nora: ")
        try t.keys("secret-two-2", "Enter")
        try t.waitForPrompt("again: ")
        try t.keys("secret-two-2", "Enter")
        try t.waitFor("added nora (nurse)")
        try t.keys("login nora", "Enter")
        try t.waitForPrompt("password for nora: ")
        try t.keys("secret-two-2", "Enter")
        try t.waitFor("signed in as nora (nurse)")
        try t.keys("clock set '2026-03-02 09:00'", "Enter")
        try t.waitFor("(sandbox 09:00) nora (nurse)> ")
        try t.keys("patient new --name 'Zoë Ålvarez' --dob 1979-03-02 --sex F", "Enter")
        try t.waitFor("registered C000001 Zoë Ålvarez")
        // The kind of visit is asked, never assumed.
        try t.keys("visit start", "Enter")
        try t.waitFor("kind (")
        try t.keys("infusion", "Enter")
        try t.waitFor("started infusion visit #1")
        try t.keys("clock advance 7m", "Enter")
        try t.keys("intake record height=165cm allergies=none medications=none pain_months=12 symptoms=fatigue onset=none treatments=none comorbidities=none pregnancy=no escort=yes", "Enter")
        try t.waitFor("weight (kg or lb, 20–350 kg): ")
        try t.keys("158 lb", "Enter")
        try t.waitFor("recorded intake #3 · 71.7 kg (158 lb)")
        try t.keys("clock advance 50m", "Enter")
        try t.keys("visit end", "Enter")
        try t.waitFor("after 57 min")
        try t.keys("quit", "Enter")
        usleep(300_000)

        let script = try String(contentsOfFile: recording, encoding: .utf8)
        #expect(script.contains("weight='158 lb'"), "the answer typed at the prompt is recorded")
        #expect(script.contains("patient new name='Zoë Ålvarez' dob=1979-03-02 sex=F mrn=C000001"))
        #expect(!script.contains("secret"), "passwords never reach a recording")
        let mode = try FileManager.default.attributesOfItem(atPath: recording)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let replay = try h.run(["--db", "\(h.folder.path)/scratch.sqlite", "-c", "replay \(recording) --into \(h.folder.path)/replayed.sqlite --verify \(h.database)"])
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("identical: 1 patient, 1 visit, 4 record entries; hash chain identical (4 of 4)"), "\(replay.stdout)")
    }
}
}
