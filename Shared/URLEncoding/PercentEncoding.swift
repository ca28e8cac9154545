/// Percent-encoding per RFC 3986, without Foundation: every UTF-8 byte except the unreserved
/// characters `A-Z a-z 0-9 - _ . ~` becomes `%XX` (uppercase hex). This is what SigV4 signs,
/// what Helix query strings need (cursors are base64 with `=`, `+`, `/`) and what forms carry.
public enum PercentEncoding {
    private static let upperHex = Array("0123456789ABCDEF".utf8)

    /// - Parameter keepingSlashes: true for URI paths, where `/` separates the encoded segments.
    public static func encode(_ text: String, keepingSlashes: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepingSlashes && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(upperHex[Int(byte >> 4)])
                out.append(upperHex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Reverses percent-encoding (either hex case). With `plusAsSpace` (form and query decoding)
    /// `+` is a space; without it (paths, SigV4) `+` stays a plus, as signed. Nil for a broken
    /// escape or bytes that are not UTF-8.
    public static func decode(_ text: some StringProtocol, plusAsSpace: Bool = false) -> String? {
        let utf8 = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < utf8.count, let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2]) else {
                    return nil
                }
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    /// `name=value&name=value`, in the given order (Helix repeats names for lists).
    public static func form(_ items: [(String, String)]) -> String {
        items.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    /// `uri` with `items` added to its query, keeping a query it has (RFC 6749 §3.1.2: an OAuth
    /// redirect back to a client). `spaceAsPlus`: spaces as `+` (what Twitch's redirects send,
    /// `scope=a+b`) instead of `%20`.
    public static func appendingQuery(_ items: [(String, String)], to uri: String, spaceAsPlus: Bool = false) -> String {
        let separator = !uri.contains("?") ? "?" : (uri.hasSuffix("?") || uri.hasSuffix("&") ? "" : "&")
        let encoded: (String) -> String = spaceAsPlus
            ? { $0.split(separator: " ", omittingEmptySubsequences: false).map { encode(String($0)) }.joined(separator: "+") }
            : { encode($0) }
        return uri + separator + items.map { encoded($0.0) + "=" + encoded($0.1) }.joined(separator: "&")
    }

    public static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
