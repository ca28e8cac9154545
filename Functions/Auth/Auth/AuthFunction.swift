import Audit
public import Access
import API
public import AccessTokens
public import BlockingIO
public import FunctionRuntime
public import FunctionServer
import JSONValue
import Logging
public import OpenIDConnect
public import Postgres
public import Redis
import URLEncoding

/// `auth`: sign-in through the agency's identity provider (OpenID Connect authorization code
/// flow with PKCE S256, `state` bound to the browser, `nonce` checked), then the product's own
/// session: a short-lived RS256 access token (its keys at `/.well-known/jwks.json`) and an opaque
/// refresh token rotated on every use (reuse of an old one ends the whole session), kept by the
/// dashboard in cookies (`SessionCookies`, CSRF double submit on every mutating request).
///
/// Routes:
/// - `GET /.well-known/jwks.json` — the public keys of the access tokens.
/// - `GET /auth/login?returnTo=/path` — the sign-in page, one button per provider.
/// - `GET /auth/login/{provider}?returnTo=/path` — starts a sign-in: 302 to the provider.
/// - `GET /auth/callback?code&state[&iss]` — finishes it: a session for the user's company, or
///   the company choice when they belong to several (303).
/// - `GET|POST /auth/switch` — choose (or change) the company the session acts for.
/// - `POST /auth/refresh` — a new access token for the refresh token (cookie, or JSON
///   `{"refreshToken"}`), and a new refresh token.
/// - `POST /auth/logout`, `POST /auth/logout-all` — end this session, or every session of the user.
/// - `GET /auth/session` — who is signed in, for which company, with which role, and their companies.
/// - `GET /auth/sessions`, `DELETE /auth/sessions/{id}` — the user's sessions; end one.
public struct AuthFunction: HTTPFunction {
    let configuration: AuthConfiguration
    let clients: [String: OpenIDClient]
    let logins: LoginStore
    let sessions: SessionStore
    let keys: SigningKeyRing
    let verifier: AccessTokenVerifier
    let access: AccessCheck
    let cookies: SessionCookies
    let now: @Sendable () -> Double

    public init(configuration: AuthConfiguration, clients: [OpenIDClient], pool: PostgresPool, redis: RedisClient,
                verifier: AccessTokenVerifier, access: AccessCheck, now: @escaping @Sendable () -> Double = wallClockSeconds) {
        self.configuration = configuration
        self.clients = Dictionary(uniqueKeysWithValues: clients.map { ($0.provider.id, $0) })
        self.logins = LoginStore(redis: redis)
        self.sessions = SessionStore(pool: pool)
        self.keys = SigningKeyRing(pool: pool, sealingKey: configuration.keyEncryptionKey, rotationSeconds: configuration.keyRotationSeconds,
                                   accessTokenSeconds: configuration.accessTokenSeconds)
        self.verifier = verifier
        self.access = access
        self.cookies = SessionCookies(secure: configuration.secureCookies)
        self.now = now
    }

    public var maxBodyBytes: Int { 16 * 1024 }

    /// Every route, as `METHOD /path` with OpenAPI path parameters (the document must describe each).
    public static let routes = [
        "GET /.well-known/jwks.json", "GET /auth/login", "GET /auth/login/{provider}", "GET /auth/callback", "GET /auth/switch",
        "POST /auth/switch", "POST /auth/refresh", "POST /auth/logout", "POST /auth/logout-all", "GET /auth/session",
        "GET /auth/sessions", "DELETE /auth/sessions/{id}",
    ]

    public func handle(_ request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        let path = request.path
        switch (request.method, path) {
        case ("GET", "/.well-known/jwks.json"):
            let document = try await keys.jwks(now: now())
            return FunctionResponse(status: 200, headers: [("content-type", "application/jwk-set+json"), ("cache-control", "public, max-age=60")],
                                    body: Array(document.utf8))
        case ("GET", "/auth/login"):
            return signInPage(request)
        case ("GET", _) where path.hasPrefix("/auth/login/"):
            return try await startSignIn(request, providerID: String(path.dropFirst("/auth/login/".count)))
        case ("GET", "/auth/callback"):
            return await finishSignIn(request, context: context)
        case ("GET", "/auth/switch"):
            return try await companyChoicePage(request)
        case ("POST", "/auth/switch"):
            return try await chooseCompany(request, context: context)
        case ("POST", "/auth/refresh"):
            return try await refresh(request, context: context)
        case ("POST", "/auth/logout"):
            return try await signOut(request, context: context, everywhere: false)
        case ("POST", "/auth/logout-all"):
            return try await signOut(request, context: context, everywhere: true)
        case ("GET", "/auth/session"):
            return try await currentSession(request)
        case ("GET", "/auth/sessions"):
            let claims = try await signedIn(request)
            return .json(["data": .array(try await sessions.sessions(of: claims.subject)), "current": claims.sessionID.map(JSONValue.string) ?? .null])
        case ("DELETE", _) where path.hasPrefix("/auth/sessions/"):
            return try await endSession(request, id: String(path.dropFirst("/auth/sessions/".count)), context: context)
        default:
            let known = ["/.well-known/jwks.json", "/auth/login", "/auth/callback", "/auth/switch", "/auth/refresh", "/auth/logout",
                         "/auth/logout-all", "/auth/session", "/auth/sessions"]
            if known.contains(path) || path.hasPrefix("/auth/login/") || path.hasPrefix("/auth/sessions/") {
                throw FunctionError.methodNotAllowed("\(request.method) is not allowed here")
            }
            throw FunctionError.notFound("route")
        }
    }

    // MARK: - Sign-in

    private func signInPage(_ request: FunctionRequest) -> FunctionResponse {
        guard let returnTo = ReturnPath.validated(request.queryParameter("returnTo")) else {
            return page(400, AuthPages.error(title: "Sign-in failed", message: "returnTo must be a path on this site"))
        }
        let providers = configuration.providers.map { (id: $0.id, name: $0.displayName) }
        return page(200, AuthPages.signIn(providers: providers, returnTo: returnTo, invitation: Self.invitationToken(request)))
    }

    private func startSignIn(_ request: FunctionRequest, providerID: String) async throws -> FunctionResponse {
        guard let client = clients[providerID] else {
            return page(404, AuthPages.error(title: "Sign-in failed", message: "no identity provider named \(providerID)"))
        }
        guard let returnTo = ReturnPath.validated(request.queryParameter("returnTo")) else {
            return page(400, AuthPages.error(title: "Sign-in failed", message: "returnTo must be a path on this site"))
        }
        let state = PKCE.randomToken(), nonce = PKCE.randomToken(), verifier = PKCE.randomToken(), binding = PKCE.randomToken()
        let url: String
        do {
            url = try await client.authorizationURL(redirectURI: configuration.redirectURI, state: state, nonce: nonce, codeVerifier: verifier,
                                                    loginHint: request.queryParameter("loginHint"))
        } catch {
            return page(502, AuthPages.error(title: "Sign-in unavailable", message: "\(client.provider.displayName) cannot be reached; try again"))
        }
        try await logins.save(LoginTransaction(providerID: providerID, nonce: nonce, codeVerifier: verifier, returnTo: returnTo,
                                               browserBinding: LoginTransaction.binding(of: binding),
                                               invitation: Self.invitationToken(request)), state: state)
        return FunctionResponse(status: 302, headers: [
            ("location", url), ("cache-control", "no-store"),
            ("set-cookie", cookies.setCookie(cookies.name("ccr_login"), binding, maxAge: LoginStore.lifetimeSeconds)),
        ])
    }

    /// Every failure answers a page and changes nothing but the failure record.
    private func finishSignIn(_ request: FunctionRequest, context: FunctionContext) async -> FunctionResponse {
        let jar = SessionCookies.parse(request.header("cookie"))
        let clearLogin = ("set-cookie", cookies.setCookie(cookies.name("ccr_login"), "", maxAge: 0))
        func fail(_ status: Int, _ code: String, _ message: String, issuer: String? = nil, email: String? = nil) async -> FunctionResponse {
            context.logger.notice("sign-in refused", metadata: ["reason": .string(code)])
            await sessions.recordFailure(issuer: issuer, reason: code, email: email, ip: request.clientIP, userAgent: request.header("user-agent"))
            var response = page(status, AuthPages.error(title: "Sign-in failed", message: message))
            response.headers.append(clearLogin)
            return response
        }
        if let error = request.queryParameter("error") {
            return await fail(400, "provider_error", "The identity provider did not sign you in (\(error)).")
        }
        guard let state = request.queryParameter("state"), let code = request.queryParameter("code"), !state.isEmpty, !code.isEmpty else {
            return await fail(400, "invalid_request", "The sign-in response is missing its code or state.")
        }
        let transaction: LoginTransaction?
        do { transaction = try await logins.take(state: state) } catch {
            return page(503, AuthPages.error(title: "Sign-in unavailable", message: "Try again in a moment."))
        }
        guard let transaction else {
            return await fail(400, "invalid_state", "This sign-in has expired or was already used. Start again.")
        }
        guard let binding = jar[cookies.name("ccr_login")],
              ConstantTime.equal(Array(LoginTransaction.binding(of: binding).utf8), Array(transaction.browserBinding.utf8))
        else {
            return await fail(400, "state_mismatch", "This sign-in was started in another browser. Start again.")
        }
        guard let client = clients[transaction.providerID] else {
            return await fail(400, "invalid_state", "The identity provider of this sign-in is no longer configured.")
        }
        let provider = client.provider
        // RFC 9207: with several providers, the response names its issuer (mix-up defence).
        if let issuer = request.queryParameter("iss"), issuer != provider.issuer {
            return await fail(400, "issuer_mismatch", "The sign-in response came from another identity provider.", issuer: provider.issuer)
        }
        let claims: IDTokenClaims
        do {
            let idToken = try await client.exchange(code: code, redirectURI: configuration.redirectURI, codeVerifier: transaction.codeVerifier)
            claims = try await IDTokenVerifier(provider: provider).verify(idToken, nonce: transaction.nonce, now: now()) { kid in
                try await client.key(kid)
            }
        } catch {
            return await fail(error.code == "token_exchange_failed" ? 400 : 403, error.code, error.message, issuer: provider.issuer)
        }
        guard let email = claims.verifiedEmail else {
            return await fail(403, "email_not_verified", "\(provider.displayName) has not verified your email address.",
                              issuer: provider.issuer, email: claims.unverifiedEmail)
        }
        do {
            let userID: String
            do {
                userID = try await sessions.signIn(issuer: provider.issuer, subject: claims.subject, email: email, name: claims.name)
            } catch let error as PostgresError where error.isUniqueViolation {
                return await fail(409, "account_conflict", "This email already belongs to another account of \(provider.displayName).",
                                  issuer: provider.issuer, email: email)
            }
            var invitedCompany: String?
            if let invitation = transaction.invitation {
                switch try await sessions.acceptInvitation(token: invitation, userID: userID, email: email) {
                case .accepted(let company): invitedCompany = company
                case .refused(let reason):
                    return await fail(403, "invitation_" + reason, Self.invitationMessage(reason), issuer: provider.issuer, email: email)
                }
            }
            let companies = try await sessions.companies(of: userID)
            var admitted = companies.filter { $0.admits(issuer: provider.issuer, email: email) }
            // Just invited: straight into that company.
            if let invitedCompany, let invited = admitted.first(where: { $0.id == invitedCompany }) { admitted = [invited] }
            guard !admitted.isEmpty else {
                let message = companies.isEmpty
                    ? "You are not a member of any company. Ask an owner or admin for an invitation."
                    : "Your company requires signing in with another identity provider or email domain."
                return await fail(403, companies.isEmpty ? "not_a_member" : "sso_required", message, issuer: provider.issuer, email: email)
            }
            if admitted.count == 1 {
                var response = try await startSession(userID: userID, company: admitted[0], issuer: provider.issuer, email: email,
                                                      returnTo: transaction.returnTo, request: request, context: context)
                response.headers.append(clearLogin)
                return response
            }
            let token = PKCE.randomToken(), csrf = PKCE.randomToken()
            try await logins.savePick(PendingPick(userID: userID, issuer: provider.issuer, email: email, returnTo: transaction.returnTo), token: token)
            return FunctionResponse(status: 303, headers: [
                ("location", "/auth/switch"), ("cache-control", "no-store"), clearLogin,
                ("set-cookie", cookies.setCookie(cookies.name("ccr_pick"), token, maxAge: LoginStore.lifetimeSeconds)),
                ("set-cookie", cookies.setCookie(cookies.csrf, csrf, maxAge: LoginStore.lifetimeSeconds, httpOnly: false)),
            ])
        } catch {
            context.logger.error("sign-in failed", metadata: ["error": "\(error)"])
            return page(503, AuthPages.error(title: "Sign-in unavailable", message: "Try again in a moment."))
        }
    }

    /// The `invitation` query parameter, when it is shaped like an invitation token.
    static func invitationToken(_ request: FunctionRequest) -> String? {
        guard let token = request.queryParameter("invitation"), (20...100).contains(token.utf8.count),
              token.utf8.allSatisfy({ PercentEncoding.isUnreserved($0) })
        else { return nil }
        return token
    }

    static func invitationMessage(_ reason: String) -> String {
        switch reason {
        case "expired": return "This invitation has expired. Ask for a new one."
        case "used": return "This invitation was already used."
        case "revoked": return "This invitation was revoked."
        case "email_mismatch": return "This invitation is for another email address. Sign in with the account it was sent to."
        default: return "This invitation link is not valid."
        }
    }

    // MARK: - Company choice

    private func companyChoicePage(_ request: FunctionRequest) async throws -> FunctionResponse {
        let jar = SessionCookies.parse(request.header("cookie"))
        let userID: String, issuer: String?, email: String
        if let token = jar[cookies.name("ccr_pick")], let pick = try await logins.pick(token: token) {
            (userID, issuer, email) = (pick.userID, pick.issuer, pick.email)
        } else if let claims = try? await signedIn(request) {
            (userID, issuer, email) = (claims.subject, nil, claims.email ?? "")
        } else {
            return FunctionResponse(status: 303, headers: [("location", "/auth/login"), ("cache-control", "no-store")])
        }
        let companies = try await sessions.companies(of: userID).filter { issuer == nil || $0.admits(issuer: issuer!, email: email) }
        let csrf = jar[cookies.csrf] ?? ""
        return page(200, AuthPages.chooseCompany(companies.map { ($0.id, $0.name, $0.role.rawValue) }, csrf: csrf))
    }

    private func chooseCompany(_ request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        let jar = SessionCookies.parse(request.header("cookie"))
        let form = Self.fields(request)
        try requireCSRF(request, jar: jar, formToken: form["csrf"])
        guard let companyID = form["company"]?.lowercased(), TenantID.isValid(companyID) else {
            throw FunctionError.validation(["company": "must be a company id"])
        }
        if let token = jar[cookies.name("ccr_pick")], let pick = try await logins.pick(token: token) {
            guard let company = try await sessions.companies(of: pick.userID).first(where: { $0.id == companyID }),
                  company.admits(issuer: pick.issuer, email: pick.email)
            else { throw FunctionError(status: 403, code: "not_a_member", message: "you cannot sign in to that company") }
            try await logins.dropPick(token: token)
            var response = try await startSession(userID: pick.userID, company: company, issuer: pick.issuer, email: pick.email,
                                                  returnTo: pick.returnTo, request: request, context: context)
            response.headers.append(("set-cookie", cookies.setCookie(cookies.name("ccr_pick"), "", maxAge: 0)))
            return response
        }
        let claims = try await signedIn(request)
        guard let sessionID = claims.sessionID else { throw FunctionError.forbidden("only a signed-in session can switch companies") }
        guard let role = try await sessions.switchCompany(sessionID: sessionID, userID: claims.subject, companyID: companyID) else {
            throw FunctionError(status: 403, code: "not_a_member", message: "you cannot act for that company in this session")
        }
        let token = try await accessToken(userID: claims.subject, companyID: companyID, role: role, email: claims.email, sessionID: sessionID)
        await sessions.audit(companyID: companyID, actor: actor(request, userID: claims.subject, role: role), action: "session.switch",
                             targetType: "session", targetID: sessionID, after: nil)
        return redirectOrJSON(request, to: "/", json: ["companyId": .string(companyID), "role": .string(role.rawValue)], headers: [
            ("set-cookie", cookies.setCookie(cookies.access, token, maxAge: configuration.accessTokenSeconds)),
        ])
    }

    private func startSession(userID: String, company: CompanyChoice, issuer: String, email: String, returnTo: String,
                              request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        let refreshToken = PKCE.randomToken()
        guard let sessionID = try await sessions.start(userID: userID, companyID: company.id, issuer: issuer, refreshToken: refreshToken,
                                                       lifetimeSeconds: configuration.sessionSeconds, userAgent: request.header("user-agent"),
                                                       ip: request.clientIP)
        else { throw FunctionError(status: 403, code: "not_a_member", message: "you are not a member of that company") }
        let token = try await accessToken(userID: userID, companyID: company.id, role: company.role, email: email, sessionID: sessionID)
        await sessions.audit(companyID: company.id, actor: actor(request, userID: userID, role: company.role), action: "session.sign_in",
                             targetType: "session", targetID: sessionID, after: ["issuer": .string(issuer), "email": .string(email)])
        context.logger.info("signed in", metadata: ["companyId": .string(company.id), "userId": .string(userID)])
        return FunctionResponse(status: 303, headers: [
            ("location", returnTo), ("cache-control", "no-store"),
            ("set-cookie", cookies.setCookie(cookies.access, token, maxAge: configuration.accessTokenSeconds)),
            ("set-cookie", cookies.setCookie(cookies.refresh, refreshToken, maxAge: configuration.sessionSeconds)),
            ("set-cookie", cookies.setCookie(cookies.csrf, PKCE.randomToken(), maxAge: configuration.sessionSeconds, httpOnly: false)),
        ])
    }

    // MARK: - Session

    private func refresh(_ request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        let jar = SessionCookies.parse(request.header("cookie"))
        let fromBody = jar[cookies.refresh] == nil
        let presented: String
        if let cookie = jar[cookies.refresh] {
            try requireCSRF(request, jar: jar, formToken: nil)
            presented = cookie
        } else {
            guard let body = try? JSONParser.parse(request.body), let token = body["refreshToken"]?.stringValue, !token.isEmpty else {
                throw FunctionError.unauthorized("no refresh token: send the session cookie or {\"refreshToken\": …}")
            }
            presented = token
        }
        let replacement = PKCE.randomToken()
        switch try await sessions.refresh(presented: presented, replacement: replacement) {
        case .refused(let reason):
            context.logger.notice("refresh refused", metadata: ["reason": .string(reason)])
            var error = FunctionError(status: 401, code: "session_ended", message: "the session has ended (\(reason)); sign in again")
            error.headers = clearedCookies()
            throw error
        case .rotated(let sessionID, let userID, let companyID, let role, let email):
            let token = try await accessToken(userID: userID, companyID: companyID, role: role, email: email, sessionID: sessionID)
            var json: [String: JSONValue] = ["accessToken": .string(token), "tokenType": "Bearer",
                                             "expiresIn": .int(Int64(configuration.accessTokenSeconds))]
            var response: FunctionResponse
            if fromBody {
                json["refreshToken"] = .string(replacement)
                response = .json(.object(json))
            } else {
                json["accessToken"] = nil
                response = .json(.object(json))
                response.headers.append(("set-cookie", cookies.setCookie(cookies.access, token, maxAge: configuration.accessTokenSeconds)))
                response.headers.append(("set-cookie", cookies.setCookie(cookies.refresh, replacement, maxAge: configuration.sessionSeconds)))
            }
            response.headers.append(("cache-control", "no-store"))
            return response
        }
    }

    private func signOut(_ request: FunctionRequest, context: FunctionContext, everywhere: Bool) async throws -> FunctionResponse {
        let jar = SessionCookies.parse(request.header("cookie"))
        if jar[cookies.access] != nil || jar[cookies.refresh] != nil { try requireCSRF(request, jar: jar, formToken: Self.fields(request)["csrf"]) }
        var found: (session: String, user: String, company: String)?
        if let claims = try? await verifiedClaims(request), let session = claims.sessionID {
            found = (session, claims.subject, claims.companyID)
        } else if let refresh = jar[cookies.refresh], let owner = try await sessions.session(ofRefresh: refresh) {
            found = owner
        }
        guard let found else {
            if everywhere { throw FunctionError.unauthorized("sign in first") }
            return redirectOrJSON(request, to: "/auth/login", json: ["revoked": 0], headers: clearedCookies())
        }
        let revoked = try await sessions.revoke(userID: found.user, sessionID: everywhere ? nil : found.session,
                                                reason: everywhere ? "sign_out_everywhere" : "sign_out")
        for (session, company) in revoked {
            await sessions.audit(companyID: company, actor: actor(request, userID: found.user, role: nil),
                                 action: everywhere ? "session.sign_out_everywhere" : "session.sign_out", targetType: "session",
                                 targetID: session, after: nil)
        }
        return redirectOrJSON(request, to: "/auth/login", json: ["revoked": .int(Int64(revoked.count))], headers: clearedCookies())
    }

    private func currentSession(_ request: FunctionRequest) async throws -> FunctionResponse {
        let claims = try await signedIn(request)
        let companies = try await sessions.companies(of: claims.subject)
        guard let company = companies.first(where: { $0.id == claims.companyID }) else {
            throw FunctionError(status: 403, code: "not_a_member", message: "you are not a member of this company")
        }
        return .json([
            "user": ["id": .string(claims.subject), "email": claims.email.map(JSONValue.string) ?? .null],
            "company": ["id": .string(company.id), "name": .string(company.name)],
            "role": .string(min(company.role, claims.role).rawValue),
            "sessionId": claims.sessionID.map(JSONValue.string) ?? .null,
            "accessTokenExpiresAt": .int(Int64(claims.expiresAt)),
            "companies": .array(companies.map { ["id": .string($0.id), "name": .string($0.name), "role": .string($0.role.rawValue)] }),
        ])
    }

    private func endSession(_ request: FunctionRequest, id: String, context: FunctionContext) async throws -> FunctionResponse {
        let jar = SessionCookies.parse(request.header("cookie"))
        if request.header("authorization") == nil { try requireCSRF(request, jar: jar, formToken: nil) }
        let claims = try await signedIn(request)
        guard TenantID.isValid(id) else { throw FunctionError.notFound("session") }
        let revoked = try await sessions.revoke(userID: claims.subject, sessionID: id.lowercased(), reason: "ended_by_user")
        guard let (session, company) = revoked.first else { throw FunctionError.notFound("session") }
        await sessions.audit(companyID: company, actor: actor(request, userID: claims.subject, role: claims.role), action: "session.revoke",
                             targetType: "session", targetID: session, after: nil)
        return FunctionResponse(status: 204)
    }

    // MARK: - Helpers

    private func accessToken(userID: String, companyID: String, role: Role, email: String?, sessionID: String) async throws -> String {
        let time = now()
        let key = try await keys.current(now: time)
        let signer = AccessTokenSigner(kid: key.kid, privateKey: key.privateKey, issuer: configuration.issuer, audience: configuration.audience)
        return try signer.token(subject: userID, companyID: companyID, role: role, email: email, now: time,
                                ttlSeconds: Double(configuration.accessTokenSeconds), extraClaims: ["sid": .string(sessionID)])
    }

    /// The access token of the request (bearer, else the cookie), verified; not yet the access check.
    private func verifiedClaims(_ request: FunctionRequest) async throws -> AccessClaims {
        if let header = request.header("authorization") {
            return try await verifier.verify(authorizationHeader: header, now: now())
        }
        guard let token = SessionCookies.parse(request.header("cookie"))[cookies.access] else {
            throw AuthError(.missingToken, "not signed in")
        }
        return try await verifier.verify(token: token, now: now())
    }

    /// A signed-in member: a valid access token whose membership (and session) is live.
    private func signedIn(_ request: FunctionRequest) async throws -> AccessClaims {
        let claims: AccessClaims
        do { claims = try await verifiedClaims(request) } catch let error as AuthError {
            var refusal = FunctionError.unauthorized(error.description)
            refusal.headers = [("www-authenticate", "Bearer")]
            throw refusal
        }
        guard let role = try await access.effectiveRole(claims) else {
            throw FunctionError(status: 403, code: "not_a_member", message: "you are not a member of this company (or your session ended)")
        }
        return claims.with(role: role)
    }

    private func requireCSRF(_ request: FunctionRequest, jar: [String: String], formToken: String?) throws {
        let presented = request.header(SessionCookies.csrfHeader) ?? formToken
        guard cookies.allowsMutation(method: request.method, cookies: jar, csrfHeader: presented, fetchSite: request.header("sec-fetch-site")) else {
            throw FunctionError(status: 403, code: "csrf_failed", message: "missing or wrong CSRF token")
        }
    }

    private func clearedCookies() -> [(String, String)] {
        [cookies.access, cookies.refresh, cookies.csrf, cookies.name("ccr_pick")].map { name in
            ("set-cookie", cookies.setCookie(name, "", maxAge: 0, httpOnly: name != cookies.csrf))
        }
    }

    private func actor(_ request: FunctionRequest, userID: String, role: Role?) -> AuditActor {
        AuditActor(userID: userID, role: role?.rawValue ?? "", requestID: request.header("x-request-id") ?? "", ip: request.clientIP,
                   userAgent: request.header("user-agent"))
    }

    /// Form posts (the pages) get a redirect; script calls (`Accept: application/json` or a JSON
    /// body) get JSON.
    private func redirectOrJSON(_ request: FunctionRequest, to location: String, json: JSONValue, headers: [(String, String)]) -> FunctionResponse {
        let wantsJSON = (request.header("accept") ?? "").contains("application/json") || (request.header("content-type") ?? "").contains("json")
        var response = wantsJSON ? FunctionResponse.json(json) : FunctionResponse(status: 303, headers: [("location", location)])
        response.headers.append(("cache-control", "no-store"))
        response.headers += headers
        return response
    }

    private func page(_ status: Int, _ html: String) -> FunctionResponse { .page(html, status: status) }

    /// The fields of a form or JSON body.
    static func fields(_ request: FunctionRequest) -> [String: String] {
        if (request.header("content-type") ?? "").contains("json") {
            guard let object = (try? JSONParser.parse(request.body))?.objectValue else { return [:] }
            return object.compactMapValues(\.stringValue)
        }
        var fields: [String: String] = [:]
        for item in QueryItems(String(decoding: request.body, as: UTF8.self)).items where fields[item.name] == nil {
            fields[item.name] = item.value
        }
        return fields
    }
}
