import Foundation
import Testing

/// At the chair, in real terminals: the clinic-wide watch, the board, leaving a patient whose
/// infusion runs, the line an idle sign-out keeps, and a line recalled from the history.
extension EndToEnd {
@Suite struct ChairTests {
    typealias Terminal = ShellTests.Terminal

    /// Workflows/infusion-day.clinic up to the pump's start (DAY-001 Bea Costa, vitals every 5
    /// minutes), without its `clock set` lines when `realTime`.
    static func startInfusion(_ h: Harness, realTime: Bool = false, protocolFile: String? = nil) throws {
        let day = try String(contentsOf: Harness.repository.appendingPathComponent("Workflows/infusion-day.clinic"), encoding: .utf8)
        let start = try #require(day.range(of: "expect fact dosing.running\n"))
        var script = String(day[..<start.upperBound])
        if realTime { script = script.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("clock set") }.joined(separator: "\n") }
        script = script.replacingOccurrences(of: "visit start --kind infusion", with: "visit start --kind infusion --chair 3")
        let path = try h.write("start.clinic", script)
        let started = try h.run((protocolFile.map { ["--protocol", $0] } ?? []) + ["--user", "nora", path], env: Harness.staff)
        #expect(started.status == 0, "\(started.stderr)")
    }

    /// `login NAME` at the terminal, with Workflows/setup.clinic's password.
    static func signIn(_ t: Terminal, _ name: String) throws {
        try t.keys("login \(name)", "Enter")
        try t.waitFor("password for \(name): ")
        try t.keys("staff-pass1", "Enter")
    }

    /// The shipped protocol with some settings changed.
    static func protocolFile(_ h: Harness, _ changes: [String: Int]) throws -> String {
        var text = try String(contentsOfFile: Harness.repository.appendingPathComponent("Sources/ClinicEngine/Resources/clinic-protocol.yaml").path, encoding: .utf8)
        for (key, value) in changes {
            let range = try #require(text.range(of: "  \(key):\n    value: "))
            let end = try #require(text[range.upperBound...].firstIndex(of: "\n"))
            text.replaceSubrange(range.upperBound..<end, with: String(value))
        }
        // Its consent text sits beside it.
        let resources = Harness.repository.appendingPathComponent("Sources/ClinicEngine/Resources")
        _ = try h.write("consent-ketamine.txt", try String(contentsOf: resources.appendingPathComponent("consent-ketamine.txt"), encoding: .utf8))
        return try h.write("protocol.yaml", text)
    }

    /// Another workstation's patient falls due while this shell waits at its prompt, nobody's
    /// patient open: the line comes within seconds, above the half-typed line, which stays.
    @Test(arguments: [false, true]) func theWatchShowsEveryPatientWhileTheShellWaits(onServer: Bool) throws {
        let h = try Harness(onServer: onServer, sandbox: true)
        try h.sandboxWithStaff()
        try Self.startInfusion(h)
        let t = Terminal(h)
        try t.start(["--user", "nora"], env: Harness.staff)
        try t.waitForPrompt("(sandbox 09:00) nora (nurse)> ")
        #expect(try !t.screen().contains("! DAY-001"), "vitals are not due within 2 minutes yet")
        // At a field's prompt, half an answer typed.
        try t.keys("patient find", "Enter")
        try t.waitFor("  text (")
        try t.keys("Cos")

        // Another workstation moves the sandbox's clock: 09:03:30, vitals due 09:05.
        #expect(try h.run(["--user", "nora", "-c", "clock advance 3m30s"], env: Harness.staff).status == 0)
        let moved = Date()
        try t.waitFor("! DAY-001 Bea Costa · chair 3 · vitals due 09:05")
        #expect(Date().timeIntervalSince(moved) < 3, "the watch took \(Date().timeIntervalSince(moved)) s")
        #expect(try t.currentLine().hasSuffix("): Cos"), "\((try? t.currentLine()) ?? "")")
        try t.keys("ta", "Enter")
        try t.waitFor("DAY-001 Bea Costa")
        try t.waitForPrompt("(sandbox 09:03) nora (nurse)> ")

        // A half-typed line longer than the terminal is wide: the watch line stays above it.
        let long = "patient find " + String(repeating: "x", count: 130) + " END"
        try t.keys(long)
        #expect(try h.run(["--user", "nora", "-c", "clock advance 2m"], env: Harness.staff).status == 0)
        try t.waitFor("! DAY-001 Bea Costa · chair 3 · vitals OVERDUE 0 min")
        usleep(300_000)
        let screen = try t.screen()
        #expect(screen.contains("! DAY-001 Bea Costa · chair 3 · vitals OVERDUE 0 min"), "\(screen)")
        #expect(try t.currentLine().hasSuffix("xxx END"), "\(screen)")
        #expect(!screen.contains("(sandbox 09:03) nora (nurse)> patient find xxx"), "no stale copy of the line above: \(screen)")

        // The board: every chair, in 80 columns.
        let board = try h.run(["--user", "nora", "-c", "board"], env: Harness.staff)
        let lines = board.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("chair patient") == true, "\(board.stdout)")
        #expect(lines.contains { $0.hasPrefix("3     DAY-001 Bea Costa") && $0.contains("running") && $0.contains("vitals LATE 0m") && $0.contains("nora 08:55") }, "\(board.stdout)")
        #expect(lines.allSatisfy { $0.count <= 80 }, "\(board.stdout)")
    }

    /// On the system's clock, in one minute: vitals falling due show on the watch within 3
    /// seconds; and the idle sign-out keeps a half-typed line for the same person, and discards
    /// it, saying so, for anyone else.
    @Test func theWatchKeepsTimeAndTheIdleSignOutKeepsTheLine() throws {
        let h = try Harness(sandbox: true)
        try h.sandboxWithStaff()
        let protocolFile = try Self.protocolFile(h, ["monitoring.vitals_interval_minutes": 1, "clinic.idle_minutes": 1])
        try Self.startInfusion(h, realTime: true, protocolFile: protocolFile)
        let startedText = try #require(try h.sql("SELECT recorded_at FROM records WHERE module = 'dosing' AND kind = 'started'").first)
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let started = try #require(format.date(from: startedText), "\(startedText)")
        let same = Terminal(h), other = Terminal(h), field = Terminal(h)
        for t in [same, other, field] { try t.start(["--protocol", protocolFile, "--user", "nora"], env: Harness.staff) }
        try same.waitFor("· vitals due ")
        try same.keys("patient open DAY-001", "Enter")
        try same.waitFor("nora@DAY-001 [infusion")
        try same.keys("patient find Cos")
        try other.keys("patient find Lim")
        try field.keys("patient find", "Enter")
        try field.waitFor("  text (")
        try field.keys("Lim")

        // Due a minute after the start: overdue on the watch within 3 s of it.
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline, try !same.screen().contains("vitals OVERDUE 0 min") { usleep(200_000) }
        let late = Date().timeIntervalSince(started) - 60
        #expect(try same.screen().contains("! DAY-001 Bea Costa · chair 3 · vitals OVERDUE 0 min"), "\((try? same.screen()) ?? "")")
        #expect(late < 3, "shown \(late) s after falling due")

        // A minute idle: signed out, the half-typed lines kept for nora alone.
        for t in [same, other] {
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline, try !t.screen().contains("signed out: nora was idle 1 min") { usleep(500_000) }
            try t.waitFor("signed out: nora was idle 1 min")
            try t.waitFor("the line nora was typing is kept for nora alone")
            try t.waitForPrompt("clinic> ")
        }
        // Idle at a field's prompt: the command is cancelled, then nora signed out, its line kept.
        try field.waitFor("this command is cancelled, nothing of it recorded")
        try field.waitFor("signed out: nora was idle 1 min (clinic.idle_minutes is 1); the command under way")
        try field.waitForPrompt("clinic> ")
        try Self.signIn(field, "nora")
        try field.waitForPrompt("nora (nurse)> patient find")

        // Back for nora, with the patient she had open.
        try Self.signIn(same, "nora")
        try same.waitForPrompt("> patient find Cos")
        #expect(try same.currentLine().contains("nora@DAY-001 [infusion"), "\((try? same.currentLine()) ?? "")")

        try Self.signIn(other, "patel")
        try other.waitFor("the line nora left half-typed was discarded: it was nora's, not patel's")
        try other.waitForPrompt("patel (physician)> ")
    }

    /// Leaving a patient whose infusion runs asks first at a terminal, and a script must say
    /// --force; Ctrl-D asks too.
    @Test func leavingDuringAnInfusionAsks() throws {
        let h = try Harness(sandbox: true)
        try h.sandboxWithStaff()
        try Self.startInfusion(h)
        let refused = try h.run(["--user", "nora", "-c", "patient open DAY-001", "-c", "logout"], env: Harness.staff)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("refused: logout would leave the patient while DAY-001's infusion is running (vitals due 09:05); a script that means to leave says so: logout … --force"), "\(refused.stderr)")
        #expect(try h.run(["--user", "nora", "-c", "patient open DAY-001", "-c", "logout --force"], env: Harness.staff).status == 0)

        let t = Terminal(h)
        try t.start(["--user", "nora"], env: Harness.staff)
        try t.keys("patient open DAY-001", "Enter")
        try t.waitForPrompt("(sandbox 09:00) nora@DAY-001 [infusion · vitals due 09:05]> ")
        try t.keys("patient new --name 'Ana Lima' --dob 1981-02-11 --sex F", "Enter")
        try t.waitFor("DAY-001's infusion is running (vitals due 09:05). Leave anyway? [y/N]")
        try t.keys("n", "Enter")
        try t.waitFor("cancelled: patient new cancelled: you stay with DAY-001")
        try t.waitForPrompt("nora@DAY-001 [infusion · vitals due 09:05]> ")
        #expect(try h.sql("SELECT count(*) FROM patients") == ["1"])
        try t.keys("C-d")
        try t.waitFor("Leave anyway? [y/N]")
        try t.keys("n", "Enter")
        try t.waitForPrompt("nora@DAY-001 [infusion · vitals due 09:05]> ")
        try t.keys("logout", "Enter")
        try t.waitFor("Leave anyway? [y/N]")
        try t.keys("y", "Enter")
        try t.waitFor("nora signed out")
        // The journal keeps the answer, so a replay leaves as the nurse did.
        #expect(try h.sql("SELECT command FROM journal WHERE command LIKE 'logout%' ORDER BY id DESC LIMIT 1") == ["logout --force"])
    }

    /// A line recalled from the history has `…` where a name was: it asks for the name again
    /// instead of searching for `…`, and Up at that prompt does not bring back a command.
    @Test func aRecalledLineAsksForWhatTheHistoryBlanked() throws {
        let h = try Harness(sandbox: true)
        try h.sandboxWithStaff()
        try Self.startInfusion(h)
        let t = Terminal(h)
        try t.start(["--user", "nora"], env: Harness.staff)
        try t.keys("patient find Costa", "Enter")
        try t.waitFor("DAY-001")
        try t.keys("Up")
        try t.waitForPrompt("nora (nurse)> patient find …")
        try t.keys("Enter")
        try t.waitFor("  text (")
        try t.keys("Up")
        usleep(300_000)
        #expect(try !t.currentLine().contains("patient find"), "\((try? t.currentLine()) ?? "")")
        try t.keys("C-u", "Costa", "Enter")
        try t.waitForPrompt("nora (nurse)> ")
        #expect(try !h.sql("SELECT command FROM journal WHERE command LIKE 'patient find%'").contains("patient find …"))
    }
}
}
