/// Rules for object keys and bucket names, shared by the signer (never sign a key the store
/// would refuse) and `LocalObjectStore` (a key becomes a path under its root directory).
public enum ObjectKey {
    /// S3's limit on key length, in UTF-8 bytes.
    public static let maximumLength = 1024

    /// A key is a relative path of non-empty segments: no leading `/`, no `//`, no trailing `/`,
    /// no `.` or `..` segment, no NUL or other control character. S3 itself would accept more;
    /// these are the keys that map safely onto a file system path.
    public static func isValid(_ key: String) -> Bool {
        let utf8 = key.utf8
        guard !utf8.isEmpty, utf8.count <= maximumLength else { return false }
        guard !utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return false }
        return key.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { segment in
            !segment.isEmpty && segment != "." && segment != ".."
        }
    }

    /// S3's bucket naming rules, simplified: 3 to 63 characters of `a-z 0-9 . -`, starting and
    /// ending with a letter or digit. (So a bucket name never starts with `.`, which
    /// `LocalObjectStore` relies on for its own bookkeeping directories.)
    public static func isValidBucketName(_ name: String) -> Bool {
        let utf8 = Array(name.utf8)
        func isLetterOrDigit(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard (3...63).contains(utf8.count), isLetterOrDigit(utf8[0]), isLetterOrDigit(utf8[utf8.count - 1]) else { return false }
        return utf8.allSatisfy { isLetterOrDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") } && !name.contains("..")
    }

    /// The prefix every object of one company lives under: `companies/{companyID}/`.
    /// Nil if the id could not be a single key segment.
    public static func companyPrefix(companyID: String) -> String? {
        guard !companyID.isEmpty, !companyID.contains("/"), isValid(companyID) else { return nil }
        return "companies/\(companyID)/"
    }

    /// True if `key` is a valid key under `companies/{companyID}/`: what a function checks before
    /// accepting a key from a client (e.g. a logo key to save), so one tenant cannot point at
    /// another tenant's objects.
    public static func belongs(_ key: String, toCompany companyID: String) -> Bool {
        guard let prefix = companyPrefix(companyID: companyID) else { return false }
        return isValid(key) && key.hasPrefix(prefix) && key.utf8.count > prefix.utf8.count
    }
}
