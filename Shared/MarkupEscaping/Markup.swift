/// Text put into HTML or XML: `&`, `<`, `>`, `"` and `'` as character references, so it is safe
/// in element content and in quoted attributes of both (`&#39;` is valid in each, unlike `&apos;`
/// in HTML 4). The one escaping function of the sign-in pages, the OIDC stand-in's pages and the
/// S3 stand-in's XML errors.
public enum Markup {
    public static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.append(character)
            }
        }
        return output
    }
}
