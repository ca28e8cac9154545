/// Text-format array values for `$n::text[]` parameters. The value still travels as a bind
/// parameter; this only quotes elements inside the array literal (`{"a","b\"c"}`).
public enum PostgresArray {
    public static func literal(_ elements: [String]) -> String {
        var output = "{"
        for (index, element) in elements.enumerated() {
            if index > 0 { output += "," }
            output += "\""
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { output += "\\" }
                output.unicodeScalars.append(character)
            }
            output += "\""
        }
        return output + "}"
    }

    /// Parses Postgres' text form of a text[] (`{a,"b c"}`).
    public static func parse(_ text: String) -> [String] {
        guard text.hasPrefix("{"), text.hasSuffix("}"), text.count > 2 else { return [] }
        var items: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in text.dropFirst().dropLast() {
            if escaped { current.append(character); escaped = false; continue }
            switch character {
            case "\\" where quoted: escaped = true
            case "\"": quoted.toggle()
            case "," where !quoted:
                items.append(current)
                current = ""
            default: current.append(character)
            }
        }
        items.append(current)
        return items
    }
}
