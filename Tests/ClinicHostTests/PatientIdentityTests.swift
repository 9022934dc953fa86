import ClinicEngine
import ClinicKit
import ClinicKitTesting
import ClinicStorage
import Foundation
import Testing

/// Which patient a command means: an MRN, or `#ID` for the internal id, never one for the other;
/// a name is one name however its accents were typed, and a likely duplicate is said.
@Suite struct PatientIdentityTests {
    @Test func anMRNNeverFallsBackToAnInternalID() throws {
        let host = try TestHost(modules: [])
        let s = host.session
        #expect(s.execute("patient new --name 'Ana Lima' --dob 1981-02-11 --sex F --mrn 3", source: "t") == .ok)
        #expect(s.execute("patient new --name 'Ben Okafor' --dob 1975-06-30 --sex M --mrn B-9", source: "t") == .ok)
        // The test host's own patient is #1, Ana #2, Ben #3: Ana's MRN is Ben's id.
        #expect(s.execute("patient open 3", source: "t") == .ok)
        #expect(s.patient?.name == "Ana Lima", "MRN 3 is Ana, whose id is 2")
        let opened = s.execute("patient open #3", source: "t")
        #expect(opened == .ok, "\(opened)")
        #expect(s.patient?.name == "Ben Okafor")
        #expect(s.execute("patient open 1", source: "t").failure?.message == "no patient with MRN '1'")
        #expect(s.execute("patient open #9", source: "t").failure != nil)
    }

    @Test func namesAreStoredInNFCAndDuplicatesFoldCaseAndAccents() throws {
        let host = try TestHost(modules: [])
        let s = host.session
        let decomposed = "Zoe\u{0301} A\u{030A}lvarez"     // é and Å as a letter and a combining mark
        #expect(s.execute("patient new --name '\(decomposed)' --dob 1979-03-02 --sex F --mrn Z-1", source: "t") == .ok)
        #expect(s.patient?.name.unicodeScalars.count == "Zoé Ålvarez".unicodeScalars.count, "stored precomposed")
        #expect(try s.store.patient(mrn: "Z-1")?.name == "Zoé Ålvarez".precomposedStringWithCanonicalMapping)
        let console = host.console
        #expect(s.execute("patient find 'Zoe\u{0301}'", source: "t") == .ok)
        #expect(console.output.last?.contains("Z-1") == true, "found however the accent was typed")
        // Search folds case and accents too, over names, MRNs and dates of birth, word by word.
        for text in ["zoe", "ALVAREZ", "alvarez zoe", "z-1", "1979-03", "zoe 1979"] {
            #expect(try s.store.patients(matching: text).map(\.mrn) == ["Z-1"], "\(text)")
        }
        #expect(try s.store.patients(matching: "zoe 1980").isEmpty)
        for twin in ["Zoé Ålvarez", "ZOE  ALVAREZ"] {
            let before = console.output.count
            #expect(s.execute("patient new --name '\(twin)' --dob 1979-03-02 --sex F", source: "t") == .ok)
            #expect(console.output.dropFirst(before).contains { $0.contains("a patient with the same name and date of birth exists: Z-1") },
                    "\(twin): \(console.output.dropFirst(before))")
        }
    }
}
