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
}
