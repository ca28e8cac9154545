import Logging
import OIDCStandIn
import Settings
import StructuredLogging
#if canImport(Glibc)
import Glibc
#endif

// The local OpenID Connect provider stand-in (see OIDCStandInServer for the endpoints): one
// confidential client and four test users, so the product signs in locally with one click.
let environment = Environment()
JSONLogHandler.bootstrap(level: environment.optional("LOG_LEVEL"))
let logger = Logger(label: "oidc-stand-in")

/// `OIDC_STAND_IN_ISSUER`: an absolute http(s) URL without query, fragment or trailing slash,
/// since relying parties compare it byte for byte with `iss` (Discovery 1.0 §4.3).
func issuer(_ environment: Environment) throws -> String? {
    guard let value = environment.optional("OIDC_STAND_IN_ISSUER") else { return nil }
    let schemeLength = value.hasPrefix("https://") ? 8 : value.hasPrefix("http://") ? 7 : 0
    guard schemeLength > 0, value.utf8.count > schemeLength, !value.hasSuffix("/"),
          value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") })
    else {
        throw ConfigurationError("OIDC_STAND_IN_ISSUER must be an http(s) URL without query, fragment or trailing slash (got \(value))")
    }
    return value
}

/// `OIDC_REDIRECT_URIS`: comma-separated exact redirect URIs; unset means any loopback URI.
func redirectURIs(_ environment: Environment) throws -> [String] {
    guard let value = environment.optional("OIDC_REDIRECT_URIS") else { return [] }
    let uris = value.split(separator: ",").map { String($0.trimmingCharacters(in: " \t")) }.filter { !$0.isEmpty }
    for uri in uris {
        guard (uri.hasPrefix("http://") || uri.hasPrefix("https://")), !uri.contains("#"),
              uri.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { throw ConfigurationError("OIDC_REDIRECT_URIS must be comma-separated http(s) URLs without fragments (got \(uri))") }
    }
    return uris
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var text = self
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return text
    }
}

do {
    let port = try environment.int("PORT", default: 8091, range: 0...65535)
    let host = environment.optional("HOST") ?? "127.0.0.1"
    let clientID = environment.optional("OIDC_CLIENT_ID") ?? OIDCStandInConfiguration.defaultClientID
    let client = OIDCStandInClient(secret: environment.optional("OIDC_CLIENT_SECRET") ?? OIDCStandInConfiguration.defaultClientSecret,
                                   redirectURIs: try redirectURIs(environment))
    let configuration = OIDCStandInConfiguration(issuer: try issuer(environment), clients: [clientID: client])
    let server = try OIDCStandInServer(configuration: configuration, logger: logger)
    try await server.run(host: host, port: port) { boundPort in
        StandardOutput.line("oidc stand-in on http://\(host):\(boundPort) (issuer: \(server.issuer ?? "?"))")
    }
} catch let error as ConfigurationError {
    StandardError.write("oidc-stand-in: configuration error: \(error.description)\n")
    exit(2)
} catch {
    StandardError.write("oidc-stand-in: \(error)\n")
    exit(1)
}
