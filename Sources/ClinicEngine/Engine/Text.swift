import ClinicKit
import ClinicStorage

extension Value {
    /// The value as staff would type it: `26.32`, `yes`, `penicillin: rash`, `fatigue,sleep`. What
    /// `expect value` compares with, and what prefilled fields and protocol settings show.
    package var typed: String {
        switch self {
        case .null: return "(nothing)"
        case .bool(let b): return b ? "yes" : "no"
        case .int, .double: return canonicalJSON
        case .string(let s): return s
        case .array(let items): return items.map(\.typed).joined(separator: ",")
        case .object:
            // A quantity field's value ({"value": 72, "unit": "kg"}) as it is typed, so that it parses
            // back: a prefilled weight, or one a module performs with (`perform("intake weight", …)`).
            if let number = self["value"]?.doubleValue, let unit = self["unit"]?.stringValue, objectValue?.count == 2 {
                return FieldSpec.format(number) + unit
            }
            return canonicalJSON
        }
    }
}
