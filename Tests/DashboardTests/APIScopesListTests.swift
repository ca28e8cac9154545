import Files
import JSONValue
import TestSupport
import Testing

extension DashboardSuites {
    /// The API keys page offers the scopes listed in `Functions/Dashboard/public/api-scopes.json`;
    /// they must be `APIScope.all` (Shared/Access/APIKeys.swift), in its order. This test target
    /// does not link `Access`, so the list is read from its source; the browser test
    /// (`InvitationsAndKeysBrowserTests`) also compares the page's checkboxes with the served
    /// OpenAPI document's `APIKeyScope`, which APITests keep equal to `APIScope.all`.
    @Suite struct APIScopesListTests {
        static let root = SharedResearch.repositoryRoot()

        /// The string literals of `public static let all = [ … ]` inside `enum APIScope`.
        static func declaredScopes() throws -> [String] {
            let source = try #require(FileSystem.readText(root + "/Shared/Access/APIKeys.swift"), "Shared/Access/APIKeys.swift is missing")
            let enumStart = try #require(source.firstRange(of: "enum APIScope"), "enum APIScope not found in APIKeys.swift")
            let rest = source[enumStart.upperBound...]
            let declaration = try #require(rest.firstRange(of: "static let all = ["), "APIScope.all not found (reformatted? update this test)")
            let list = rest[declaration.upperBound...].prefix { $0 != "]" }
            var scopes: [String] = []
            var current: String?
            for character in list {
                if character == "\"" {
                    if let value = current { scopes.append(value); current = nil } else { current = "" }
                } else if current != nil {
                    current!.append(character)
                }
            }
            return scopes
        }

        static func dashboardScopes() throws -> [String] {
            let text = try #require(FileSystem.readText(root + "/Functions/Dashboard/public/api-scopes.json"))
            let entries = try #require(try JSONParser.parse(text)["scopes"]?.arrayValue, "api-scopes.json has no scopes list")
            return entries.compactMap { $0["scope"]?.stringValue }
        }

        @Test func theKeysPageOffersExactlyAPIScopeAll() throws {
            let declared = try Self.declaredScopes()
            #expect(declared.count >= 7 && declared.contains("events:read"), "could not read APIScope.all: \(declared)")
            let offered = try Self.dashboardScopes()
            #expect(offered == declared, """
                Functions/Dashboard/public/api-scopes.json lists \(offered), APIScope.all is \(declared): \
                add/remove the scope there (with a description) in the same order
                """)
        }

        @Test func everyScopeHasADescription() throws {
            let text = try #require(FileSystem.readText(Self.root + "/Functions/Dashboard/public/api-scopes.json"))
            for entry in try JSONParser.parse(text)["scopes"]?.arrayValue ?? [] {
                let description = entry["description"]?.stringValue ?? ""
                #expect(!description.isEmpty, "\(JSONWriter.string(entry)) needs a description")
            }
        }
    }
}
