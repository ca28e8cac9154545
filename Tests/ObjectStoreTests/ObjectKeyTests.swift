import ObjectStore
import Testing

@Suite struct ObjectKeyTests {
    static let companyID = "4f0c8a52-1d3e-4b6a-9c7d-2e5f8a1b3c4d"

    @Test func brandingLogoKeysAreRandomAndUnderTheCompany() throws {
        let first = try #require(ObjectKey.brandingLogoKey(companyID: Self.companyID, fileExtension: "png"))
        let second = try #require(ObjectKey.brandingLogoKey(companyID: Self.companyID, fileExtension: "png"))
        #expect(first != second)
        let prefix = "companies/\(Self.companyID)/branding/logo-"
        #expect(first.hasPrefix(prefix))
        #expect(first.hasSuffix(".png"))
        let random = first.dropFirst(prefix.count).dropLast(".png".count)
        #expect(random.count == 32)
        #expect(random.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(ObjectKey.isValid(first))
        #expect(ObjectKey.belongs(first, toCompany: Self.companyID))
        #expect(ObjectKey.isBrandingLogoKey(first, companyID: Self.companyID))
        #expect(!ObjectKey.isBrandingLogoKey(first, companyID: "another-company"))
    }

    @Test func brandingLogoKeyRefusesBadInput() {
        #expect(ObjectKey.brandingLogoKey(companyID: "", fileExtension: "png") == nil)
        #expect(ObjectKey.brandingLogoKey(companyID: "a/b", fileExtension: "png") == nil)
        #expect(ObjectKey.brandingLogoKey(companyID: "..", fileExtension: "png") == nil)
        #expect(ObjectKey.brandingLogoKey(companyID: Self.companyID, fileExtension: "") == nil)
        #expect(ObjectKey.brandingLogoKey(companyID: Self.companyID, fileExtension: "png/../x") == nil)
        #expect(ObjectKey.brandingLogoKey(companyID: Self.companyID, fileExtension: "PNG") == nil)
    }

    @Test func logoContentTypes() {
        let expected: [(String, String)] = [("image/png", "png"), ("image/jpeg", "jpg"), ("image/svg+xml", "svg"), ("image/webp", "webp")]
        for (contentType, fileExtension) in expected {
            #expect(BrandingLogo(contentType: contentType)?.fileExtension == fileExtension)
            #expect(BrandingLogo(contentType: contentType)?.contentType == contentType)
        }
        #expect(BrandingLogo(contentType: "Image/PNG")?.contentType == "image/png")
        #expect(BrandingLogo(contentType: " image/jpeg ; charset=binary")?.contentType == "image/jpeg")
        for refused in ["image/gif", "text/html", "image/svg", "", "image/png2", "application/octet-stream"] {
            #expect(BrandingLogo(contentType: refused) == nil)
        }
        #expect(BrandingLogo.allCases.count == 4)
    }

    @Test func keysMustLieUnderTheirCompany() {
        let id = Self.companyID
        #expect(ObjectKey.belongs("companies/\(id)/branding/logo-1.png", toCompany: id))
        #expect(ObjectKey.belongs("companies/\(id)/x", toCompany: id))
        for key in [
            "companies/\(id)/", "companies/\(id)", "companies/\(id)x/a", "companies/other/a", "companies/\(id)/../other/a",
            "/companies/\(id)/a", "companies/\(id)//a", "other/companies/\(id)/a", "COMPANIES/\(id)/a",
        ] {
            #expect(!ObjectKey.belongs(key, toCompany: id), "\(key)")
        }
        #expect(!ObjectKey.belongs("companies//a", toCompany: ""))
        #expect(!ObjectKey.isBrandingLogoKey("companies/\(id)/branding/logo-xyz.png", companyID: id))
        #expect(!ObjectKey.isBrandingLogoKey("companies/\(id)/branding/logo-0123456789abcdef0123456789abcdef.gif", companyID: id))
        #expect(!ObjectKey.isBrandingLogoKey("companies/\(id)/other/logo-0123456789abcdef0123456789abcdef.png", companyID: id))
        #expect(ObjectKey.isBrandingLogoKey("companies/\(id)/branding/logo-0123456789abcdef0123456789abcdef.webp", companyID: id))
    }
}
