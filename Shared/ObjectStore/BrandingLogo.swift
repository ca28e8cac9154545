/// The image types accepted as a company's branding logo, and where a logo is stored.
public enum BrandingLogo: String, Sendable, CaseIterable {
    case png = "image/png"
    case jpeg = "image/jpeg"
    case svg = "image/svg+xml"
    case webp = "image/webp"

    /// Upload cap a caller can pass to `PresignedURLSigner.presignedPUT` (2 MiB).
    public static let defaultMaximumBytes = 2 * 1024 * 1024

    /// Accepts the media type case-insensitively and ignores parameters (`image/png; q=1`), since
    /// browsers and clients vary; `contentType` is the canonical form to sign and store.
    public init?(contentType: String) {
        let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let trimmed = SigV4.trimmedHeaderValue(String(mediaType)).lowercased()
        self.init(rawValue: trimmed)
    }

    public var contentType: String { rawValue }

    public var fileExtension: String {
        switch self {
        case .png: "png"
        case .jpeg: "jpg"
        case .svg: "svg"
        case .webp: "webp"
        }
    }
}

extension ObjectKey {
    /// `companies/{companyID}/branding/logo-{32 random hex digits}.{fileExtension}`.
    ///
    /// A fresh random name per upload means a key is never overwritten: caches can keep a logo
    /// forever, and a presigned PUT cannot replace the logo currently in use.
    /// Nil if `companyID` is not a single key segment or the extension is not 1 to 8 of `a-z 0-9`.
    public static func brandingLogoKey(companyID: String, fileExtension: String) -> String? {
        var generator = SystemRandomNumberGenerator()
        return brandingLogoKey(companyID: companyID, fileExtension: fileExtension, using: &generator)
    }

    public static func brandingLogoKey(
        companyID: String, fileExtension: String, using generator: inout some RandomNumberGenerator
    ) -> String? {
        guard let prefix = companyPrefix(companyID: companyID), (1...8).contains(fileExtension.utf8.count),
              fileExtension.utf8.allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return "\(prefix)branding/logo-\(Hex.random(byteCount: 16, using: &generator)).\(fileExtension)"
    }

    /// True for a key `brandingLogoKey` could have produced for this company.
    public static func isBrandingLogoKey(_ key: String, companyID: String) -> Bool {
        guard let prefix = companyPrefix(companyID: companyID), belongs(key, toCompany: companyID) else { return false }
        let name = key.dropFirst(prefix.count + "branding/".count)
        guard key.dropFirst(prefix.count).hasPrefix("branding/"), name.hasPrefix("logo-") else { return false }
        let parts = name.dropFirst("logo-".count).split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && Hex.isLowercaseHex(String(parts[0]), length: 32)
            && BrandingLogo.allCases.contains { $0.fileExtension == parts[1] }
    }
}
