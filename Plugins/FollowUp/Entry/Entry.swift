// The two symbols the clinic's loader looks up in libClinicFollowUp.so. They live in a target of
// their own so that tests (and other modules' tests) can link the module without them.
import ClinicKit
import ClinicFollowUp

@_cdecl("clinic_module_abi_version")
public func clinicModuleABIVersion() -> Int32 { ClinicKitABI.version }

@_cdecl("clinic_module_entry")
public func clinicModuleEntry() -> UnsafeMutableRawPointer { ClinicModuleExport.retain(FollowUpModule()) }
