import Foundation

/// A CSV file as RFC 4180 writes it: a header row of column names, then one record a row; fields
/// separated by commas, `"…"` quoting commas, line breaks and doubled `""` quotes; CRLF or LF.
/// Each column becomes a script variable, so a header must be a variable name.
struct CSVTable {
    struct Row {
        /// 1 for the first row after the header.
        var number: Int
        /// The line of the file the row starts on.
        var line: Int
        var values: [String: String]
    }

    var columns: [String]
    var rows: [Row]

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(text: String, name: String) throws {
        let records = try Self.records(text, name: name)
        guard let header = records.first else { throw Failure(description: "\(name) is empty; it needs a header row of column names") }
        let columns = header.fields.map { $0.trimmed }
        for (i, column) in columns.enumerated() where !Variables.isName(column) {
            throw Failure(description: "\(name): column \(i + 1) '\(column)' is not a variable name; use letters, digits and _, starting with a letter")
        }
        var seen = Set<String>()
        if let twice = columns.first(where: { !seen.insert($0).inserted }) {
            throw Failure(description: "\(name): column \(twice) appears twice in the header")
        }
        self.columns = columns
        rows = []
        for (i, record) in records.dropFirst().enumerated() {
            // A blank line is not a row.
            if record.fields.count == 1 && record.fields[0].trimmed.isEmpty { continue }
            guard record.fields.count == columns.count else {
                throw Failure(description: "\(name):\(record.line): row \(i + 1) has \(record.fields.count) fields, the header \(columns.count)")
            }
            rows.append(Row(number: i + 1, line: record.line, values: Dictionary(uniqueKeysWithValues: zip(columns, record.fields))))
        }
    }

    private static func records(_ text: String, name: String) throws -> [(line: Int, fields: [String])] {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var quoted = false, wasQuoted = false
        var line = 1, start = 1
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = scalars.next()
        if pending == "\u{FEFF}" { pending = scalars.next() }  // a byte-order mark from a spreadsheet
        func endRecord() {
            fields.append(field)
            records.append((start, fields))
            fields = []; field = ""; wasQuoted = false
        }
        while let c = pending {
            pending = scalars.next()
            if quoted {
                if c == "\"" {
                    if pending == "\"" { field.unicodeScalars.append("\""); pending = scalars.next() } else { quoted = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !wasQuoted:
                quoted = true; wasQuoted = true
            case "\"":
                throw Failure(description: "\(name):\(line): a quote inside an unquoted field; quote the whole field and double the quote (\"\")")
            case ",":
                fields.append(field); field = ""; wasQuoted = false
            case "\r" where pending == "\n":
                continue
            case "\n", "\r":
                endRecord()
                line += 1
                start = line
            default:
                if wasQuoted && c != " " {
                    throw Failure(description: "\(name):\(line): text after a closing quote; quote the whole field")
                }
                field.unicodeScalars.append(c)
            }
        }
        if quoted { throw Failure(description: "\(name):\(start): a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }
}
