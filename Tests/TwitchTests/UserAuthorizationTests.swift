import BlockingIO
import EventSub
import JSONValue
import Testing
import TwitchAPI
import TwitchStandIn

/// The authorization code grant against the stand-in: consent, codes, refresh rotation,
/// validation, revocation, and the EventSub authorization rule that rests on the user's grant.
@Suite struct UserAuthorizationFlowTests {
    static let redirect = "http://127.0.0.1:9/twitch/callback"
    static let scopes = ["channel:read:subscriptions", "bits:read"]

    @Test func codeFlowWithAutoApproveIssuesUserTokens() async throws {
        try await withStandIn { standIn in
            try standIn.state.addUser(id: "4242", login: "alice", displayName: "Alice")
            let on = try await standIn.raw("POST", "/_stand-in/oauth/auto-approve", body: #"{"login":"alice","decision":"approve"}"#)
            #expect(on.json["autoApprove"] == ["decision": "approve", "user_id": "4242", "login": "alice"])

            let redirect = try await standIn.authorize(scopes: Self.scopes, redirectURI: Self.redirect, state: "csrf-123")
            #expect(redirect.status == 302)
            let location = try #require(redirect.location)
            #expect(location.hasPrefix(Self.redirect + "?code="))
            #expect(location.contains("&scope=channel%3Aread%3Asubscriptions+bits%3Aread&state=csrf-123"))
            let query = redirect.locationQuery
            #expect(query["scope"] == "channel:read:subscriptions bits:read")
            #expect(query["state"] == "csrf-123")
            let code = try #require(query["code"])
            // Approving is what records the grant, before any token exists.
            #expect(try await standIn.authorization(of: "4242")["scopes"] == ["bits:read", "channel:read:subscriptions"])

            // Failed client authentication leaves the code alone.
            let noSecret = try await standIn.exchange(code: code, redirectURI: Self.redirect, clientSecret: "")
            #expect(noSecret.status == 400)
            #expect(noSecret.json == ["status": 400, "message": "missing client secret"])
            let wrongSecret = try await standIn.exchange(code: code, redirectURI: Self.redirect, clientSecret: "not-the-secret")
            #expect(wrongSecret.status == 403)
            #expect(wrongSecret.json == ["status": 403, "message": "invalid client secret"])
            let wrongClient = try await standIn.exchange(code: code, redirectURI: Self.redirect, clientID: "someone-else")
            #expect(wrongClient.json == ["status": 400, "message": "invalid client"])

            let tokens = try await standIn.exchange(code: code, redirectURI: Self.redirect)
            #expect(tokens.status == 200)
            #expect(tokens.json["token_type"] == "bearer")
            #expect(tokens.json["expires_in"] == 14124)
            #expect(tokens.json["scope"] == ["channel:read:subscriptions", "bits:read"])
            let accessToken = try #require(tokens.json["access_token"]?.stringValue)
            let refreshToken = try #require(tokens.json["refresh_token"]?.stringValue)
            #expect(accessToken != refreshToken)
            #expect(tokens.json.objectValue.map { Set($0.keys) } == ["access_token", "expires_in", "refresh_token", "scope", "token_type"])

            // The code works once.
            let replay = try await standIn.exchange(code: code, redirectURI: Self.redirect)
            #expect(replay.status == 400)
            #expect(replay.json == ["status": 400, "message": "Invalid authorization code"])

            let validation = try await standIn.validate(accessToken)
            #expect(validation.status == 200)
            #expect(validation.json["client_id"] == "local-client-id")
            #expect(validation.json["login"] == "alice")
            #expect(validation.json["user_id"] == "4242")
            #expect(validation.json["scopes"] == ["channel:read:subscriptions", "bits:read"])
            let expiresIn = try #require(validation.json["expires_in"]?.int64Value)
            #expect(expiresIn > 14_000 && expiresIn <= 14_124)
            #expect(try await standIn.authorization(of: "4242") == [
                "scopes": ["bits:read", "channel:read:subscriptions"], "activeAccessTokens": 1, "activeRefreshTokens": 1, "revokedTokens": 0,
            ])

            // Helix takes the user token (GET /helix/users without a filter is the token's user),
            // but webhook subscriptions need an app token.
            let userHeaders = [("Authorization", "Bearer " + accessToken), ("Client-Id", "local-client-id")]
            let me = try await standIn.raw("GET", "/helix/users", headers: userHeaders)
            #expect(me.json["data"]?.arrayValue?.first?["login"] == "alice")
            let withUserToken = try await standIn.raw(
                "POST", "/helix/eventsub/subscriptions", headers: userHeaders + [("Content-Type", "application/json")],
                body: #"{"type":"channel.subscribe","version":"1","condition":{"broadcaster_user_id":"4242"},"transport":{"method":"webhook","callback":"http://127.0.0.1:1/x","secret":"0123456789abc"}}"#)
            #expect(withUserToken.status == 400)
            #expect(withUserToken.json["message"] == "auth must use app access token to create webhook subscription")
        }
    }

    @Test func consentPagePostedByTheUserApprovesAsTheChosenLogin() async throws {
        try await withStandIn { standIn in
            try standIn.state.addUser(id: "5150", login: "bob", displayName: "Bob")
            let state = #"a<b>"c&d'e"#
            let page = try await standIn.authorize(scopes: ["moderator:read:followers"], redirectURI: Self.redirect, state: state)
            #expect(page.status == 200)
            #expect(page.headers["content-type"] == "text/html; charset=utf-8")
            #expect(page.headers["content-security-policy"]?.contains("default-src 'none'") == true)
            let html = page.text
            for id in ["id=\"login\"", "id=\"authorize\"", "id=\"cancel\"", "<code>moderator:read:followers</code>", "local-client-id"] {
                #expect(html.contains(id), "\(id) missing from the consent page")
            }
            // Every dynamic value is escaped: the state never appears raw.
            #expect(!html.contains(state))
            #expect(html.contains("a&lt;b&gt;&quot;c&amp;d&#39;e"))
            #expect(html.contains("<option value=\"bob\">"))

            let form = try ConsentForm(html: html)
            #expect(form.action == "/oauth2/authorize")
            #expect(form.value("state") == state)
            #expect(form.value("redirect_uri") == Self.redirect)

            // Approving without a login shows the page again with the problem.
            let noLogin = try await standIn.postForm(form.action, form.hidden + [("login", ""), ("decision", "approve")])
            #expect(noLogin.status == 400)
            #expect(noLogin.text.contains("id=\"problem\""))

            let approved = try await standIn.postForm(form.action, form.hidden + [("login", "Bob"), ("decision", "approve")])
            #expect(approved.status == 302)
            #expect(approved.locationQuery["state"] == state)
            #expect(approved.locationQuery["scope"] == "moderator:read:followers")
            let code = try #require(approved.locationQuery["code"])
            let tokens = try await standIn.exchange(code: code, redirectURI: Self.redirect)
            let accessToken = try #require(tokens.json["access_token"]?.stringValue)
            let validation = try await standIn.validate(accessToken)
            #expect(validation.json["login"] == "bob")
            #expect(validation.json["user_id"] == "5150")
            #expect(standIn.state.user(id: "5150")?.grantedScopes == ["moderator:read:followers"])

            // A login nobody added yet is signed in as a new user (like GET /helix/users?login=).
            let newcomer = try await standIn.postForm(form.action, form.hidden + [("login", "newcomer"), ("decision", "approve")])
            #expect(newcomer.status == 302)
            #expect(standIn.state.user(login: "newcomer")?.hasAuthorizedApp == true)
        }
    }

    @Test func cancellingOrAutoDenyingRedirectsWithAccessDenied() async throws {
        try await withStandIn { standIn in
            try standIn.state.addUser(id: "6001", login: "dana")
            let page = try await standIn.authorize(scopes: Self.scopes, redirectURI: Self.redirect, state: "s1")
            let form = try ConsentForm(html: page.text)
            let cancelled = try await standIn.postForm(form.action, form.hidden + [("login", ""), ("decision", "deny")])
            #expect(cancelled.status == 302)
            #expect(cancelled.location == Self.redirect + "?error=access_denied&error_description=The+user+denied+you+access&state=s1")
            #expect(cancelled.locationQuery["code"] == nil)

            let deny = try await standIn.raw("POST", "/_stand-in/oauth/auto-approve", body: #"{"decision":"deny"}"#)
            #expect(deny.status == 200)
            let denied = try await standIn.authorize(scopes: Self.scopes, redirectURI: Self.redirect + "?keep=1", state: "s2")
            #expect(denied.location == Self.redirect + "?keep=1&error=access_denied&error_description=The+user+denied+you+access&state=s2")
            #expect(standIn.state.user(id: "6001")?.hasAuthorizedApp == false)

            // Off again: the page is back.
            let off = try await standIn.raw("DELETE", "/_stand-in/oauth/auto-approve")
            #expect(off.json == ["autoApprove": .null])
            #expect(standIn.state.autoApproval == nil)
            #expect(try await standIn.authorize(scopes: Self.scopes, redirectURI: Self.redirect).status == 200)
        }
    }

    @Test func badAuthorizeRequestsAreRefusedLikeTwitch() async throws {
        let registered = ["http://app.test/first", "http://app.test/second"]
        try await withStandIn(StandInConfiguration(redirectURIs: registered)) { standIn in
            // An unregistered redirect URI: the error goes to the first registered one, never to it.
            let mismatch = try await standIn.authorize(scopes: Self.scopes, redirectURI: "http://evil.test/cb", state: "s3")
            #expect(mismatch.status == 302)
            #expect(mismatch.location
                == "http://app.test/first?error=redirect_mismatch&error_description=Parameter+redirect_uri+does+not+match+registered+URI&state=s3")
            #expect(try await standIn.authorize(scopes: Self.scopes, redirectURI: "http://app.test/second").status == 200)
            #expect(try await standIn.authorize(scopes: Self.scopes, redirectURI: "http://app.test/second/").status == 302)

            let unknownClient = try await standIn.authorize(scopes: Self.scopes, redirectURI: registered[0], clientID: "someone-else")
            #expect(unknownClient.status == 400)
            #expect(unknownClient.json == ["status": 400, "message": "invalid client"])
            let unknownScope = try await standIn.authorize(scopes: ["user_read"], redirectURI: registered[0])
            #expect(unknownScope.status == 400)
            #expect(unknownScope.json == ["status": 400, "message": "invalid scope requested: 'user_read'"])
            let implicit = try await standIn.authorize(scopes: Self.scopes, redirectURI: registered[0], responseType: "token")
            #expect(implicit.status == 400)

            // The exchange must name the authorize request's redirect URI; a wrong one uses the code up.
            try standIn.state.addUser(id: "7007", login: "erin")
            _ = try await standIn.raw("POST", "/_stand-in/oauth/auto-approve", body: #"{"user_id":"7007","decision":"approve"}"#)
            let code = try #require(try await standIn.authorize(scopes: Self.scopes, redirectURI: registered[1]).locationQuery["code"])
            let wrongRedirect = try await standIn.exchange(code: code, redirectURI: registered[0])
            #expect(wrongRedirect.json == ["status": 400, "message": "Parameter redirect_uri does not match registered URI"])
            let afterwards = try await standIn.exchange(code: code, redirectURI: registered[1])
            #expect(afterwards.json == ["status": 400, "message": "Invalid authorization code"])
        }
        try await withStandIn { standIn in
            // Nothing registered: any http(s) URI, but not something else.
            let notHTTP = try await standIn.authorize(scopes: Self.scopes, redirectURI: "javascript:alert(1)")
            #expect(notHTTP.status == 400)
            #expect(notHTTP.json["message"] == "Parameter redirect_uri does not match registered URI")
        }
    }

    @Test func codesExpire() async throws {
        try await withStandIn(StandInConfiguration(authorizationCodeLifetimeSeconds: 1)) { standIn in
            try standIn.state.addUser(id: "7100", login: "fay")
            _ = try await standIn.raw("POST", "/_stand-in/oauth/auto-approve", body: #"{"login":"fay","decision":"approve"}"#)
            let code = try #require(try await standIn.authorize(scopes: Self.scopes, redirectURI: Self.redirect).locationQuery["code"])
            try await Task.sleep(nanoseconds: 1_200_000_000)
            let late = try await standIn.exchange(code: code, redirectURI: Self.redirect)
            #expect(late.json == ["status": 400, "message": "Invalid authorization code"])
        }
    }
}

@Suite struct UserTokenLifecycleTests {
    static let scopes = ["channel:read:subscriptions"]

    @Test func refreshRotatesTheRefreshToken() async throws {
        try await withStandIn { standIn in
            try standIn.state.addUser(id: "8001", login: "gus")
            let first = try await standIn.userTokens(login: "gus", scopes: Self.scopes)
            let firstRefresh = try #require(first["refresh_token"]?.stringValue)
            let firstAccess = try #require(first["access_token"]?.stringValue)

            let second = try await standIn.refresh(firstRefresh)
            #expect(second.status == 200)
            #expect(second.json["scope"] == ["channel:read:subscriptions"])
            #expect(second.json["token_type"] == "bearer")
            let secondRefresh = try #require(second.json["refresh_token"]?.stringValue)
            let secondAccess = try #require(second.json["access_token"]?.stringValue)
            #expect(secondRefresh != firstRefresh)
            #expect(secondAccess != firstAccess)

            let reused = try await standIn.refresh(firstRefresh)
            #expect(reused.status == 400)
            #expect(reused.json == ["status": 400, "message": "Invalid refresh token"])
            #expect(try await standIn.validate(secondAccess).json["login"] == "gus")
            // Earlier access tokens live out their lifetime.
            #expect(try await standIn.validate(firstAccess).status == 200)
            #expect(try await standIn.refresh(secondRefresh).status == 200)
            #expect(try await standIn.refresh("no-such-token").json == ["status": 400, "message": "Invalid refresh token"])
        }
    }

    @Test func expiredAccessTokensAreRefusedButRefreshWorks() async throws {
        try await withStandIn(StandInConfiguration(userTokenLifetimeSeconds: 1)) { standIn in
            try standIn.state.addUser(id: "8002", login: "hal")
            let tokens = try await standIn.userTokens(login: "hal", scopes: Self.scopes)
            #expect(tokens["expires_in"] == 1)
            let access = try #require(tokens["access_token"]?.stringValue)
            try await Task.sleep(nanoseconds: 1_200_000_000)
            let expired = try await standIn.validate(access)
            #expect(expired.status == 401)
            #expect(expired.json == ["status": 401, "message": "invalid access token"])
            let refreshed = try await standIn.refresh(try #require(tokens["refresh_token"]?.stringValue))
            #expect(try await standIn.validate(try #require(refreshed.json["access_token"]?.stringValue)).status == 200)
        }
        try await withStandIn { standIn in
            try standIn.state.addUser(id: "8003", login: "ida")
            let tokens = try await standIn.userTokens(login: "ida", scopes: Self.scopes)
            let access = try #require(tokens["access_token"]?.stringValue)
            let expire = try await standIn.raw("POST", "/_stand-in/users/8003/expire-access-tokens")
            #expect(expire.json["activeAccessTokens"] == 0)
            #expect(expire.json["activeRefreshTokens"] == 1)
            #expect(try await standIn.validate(access).status == 401)
            let refreshed = try await standIn.refresh(try #require(tokens["refresh_token"]?.stringValue))
            #expect(try await standIn.validate(try #require(refreshed.json["access_token"]?.stringValue)).status == 200)
        }
    }

    @Test func invalidatedTokensFailButTheAuthorizationStays() async throws {
        try await withStandIn { standIn in
            try standIn.state.addUser(id: "8004", login: "jo")
            let tokens = try await standIn.userTokens(login: "jo", scopes: Self.scopes)
            let changed = try await standIn.raw("POST", "/_stand-in/users/8004/invalidate-tokens")
            #expect(changed.json == ["scopes": ["channel:read:subscriptions"], "activeAccessTokens": 0, "activeRefreshTokens": 0, "revokedTokens": 2])
            #expect(try await standIn.validate(try #require(tokens["access_token"]?.stringValue)).status == 401)
            let refresh = try await standIn.refresh(try #require(tokens["refresh_token"]?.stringValue))
            #expect(refresh.status == 400)
            #expect(refresh.json == ["status": 400, "message": "Invalid refresh token"])
            // The client id keeps the grant: EventSub still takes the user's subscriptions.
            let created = try await standIn.createSubscription(
                type: "channel.subscribe", version: "1", condition: ["broadcaster_user_id": "8004"], callback: unreachableCallback,
                secret: "lifecycle-secret")
            #expect(created.status == 202)
            #expect(created.json["data"]?.arrayValue?.first?["cost"] == 0)
            #expect(try await standIn.raw("POST", "/_stand-in/users/999999/invalidate-tokens").status == 404)
        }
    }

    @Test func revokeEndsTheTokenAndItsRefreshTokenButNotTheAuthorization() async throws {
        try await withStandIn { standIn in
            try standIn.state.addUser(id: "8005", login: "kim")
            let tokens = try await standIn.userTokens(login: "kim", scopes: Self.scopes)
            let access = try #require(tokens["access_token"]?.stringValue)

            let unknownClient = try await standIn.revoke(access, clientID: "someone-else")
            #expect(unknownClient.status == 404)
            #expect(unknownClient.json == ["status": 404, "message": "client does not exist"])

            let revoked = try await standIn.revoke(access)
            #expect(revoked.status == 200)
            #expect(revoked.body.isEmpty)
            let validation = try await standIn.validate(access)
            #expect(validation.status == 401)
            #expect(validation.json == ["status": 401, "message": "invalid access token"])
            let again = try await standIn.revoke(access)
            #expect(again.status == 400)
            #expect(again.json == ["status": 400, "message": "Invalid token"])
            #expect(try await standIn.refresh(try #require(tokens["refresh_token"]?.stringValue)).status == 400)
            #expect(try await standIn.authorization(of: "8005") == [
                "scopes": ["channel:read:subscriptions"], "activeAccessTokens": 0, "activeRefreshTokens": 0, "revokedTokens": 2,
            ])
            #expect(standIn.state.user(id: "8005")?.hasAuthorizedApp == true)

            // App tokens can be revoked too; Helix refuses them afterwards.
            let appToken = try await standIn.accessToken()
            #expect(try await standIn.revoke(appToken).status == 200)
            let helix = try await standIn.raw("GET", "/helix/users?login=kim",
                                              headers: [("Authorization", "Bearer " + appToken), ("Client-Id", "local-client-id")])
            #expect(helix.status == 401)
        }
    }
}

@Suite struct EventSubAuthorizationTests {
    static let secret = "authorization-test-secret"
    static let forbidden: JSONValue = ["error": "Forbidden", "status": 403, "message": "subscription missing proper authorization"]

    @Test func typesThatNeedAScopeNeedTheUsersGrant() async throws {
        try await withStandIn { standIn in
            try standIn.state.addUser(id: "5001", login: "streamer")
            try standIn.state.addUser(id: "6001", login: "chat_reader")
            func create(_ type: String, _ version: String, _ condition: [String: String]) async throws -> RawResponse {
                try await standIn.createSubscription(type: type, version: version, condition: condition, callback: unreachableCallback,
                                                     secret: Self.secret)
            }
            let refused = try await create("channel.subscribe", "1", ["broadcaster_user_id": "5001"])
            #expect(refused.status == 403)
            #expect(refused.json == Self.forbidden)
            // Unknown users have granted nothing either; types without a scope need nobody.
            #expect(try await create("channel.ban", "1", ["broadcaster_user_id": "31337"]).status == 403)
            let online = try await create("stream.online", "1", ["broadcaster_user_id": "31337"])
            #expect(online.status == 202)
            #expect(online.json["data"]?.arrayValue?.first?["cost"] == 1)

            let granted = try await standIn.raw("POST", "/_stand-in/users/5001/authorization", body: #"{"scopes":["channel:read:subscriptions"]}"#)
            #expect(granted.status == 200)
            #expect(granted.json["scopes"] == ["channel:read:subscriptions"])
            let accepted = try await create("channel.subscribe", "1", ["broadcaster_user_id": "5001"])
            #expect(accepted.status == 202)
            #expect(accepted.json["data"]?.arrayValue?.first?["cost"] == 0)
            #expect(try await create("channel.subscription.end", "1", ["broadcaster_user_id": "5001"]).status == 202)
            // Another scope is another grant.
            #expect(try await create("channel.cheer", "1", ["broadcaster_user_id": "5001"]).json == Self.forbidden)
            #expect(try await create("channel.hype_train.begin", "2", ["broadcaster_user_id": "5001"]).status == 403)

            // channel.follow: the moderator's grant counts, not the broadcaster's.
            #expect(try await create("channel.follow", "2", ["broadcaster_user_id": "5001", "moderator_user_id": "5001"]).status == 403)
            _ = try await standIn.raw("POST", "/_stand-in/users/6001/authorization", body: #"{"scopes":["moderator:read:followers"]}"#)
            #expect(try await create("channel.follow", "2", ["broadcaster_user_id": "5001", "moderator_user_id": "6001"]).status == 202)

            // channel.chat.message: user:read:chat + user:bot from the reader, channel:bot from the broadcaster.
            _ = try await standIn.raw("POST", "/_stand-in/users/6001/authorization", body: #"{"scopes":["user:read:chat","user:bot"]}"#)
            let chat = ["broadcaster_user_id": "5001", "user_id": "6001"]
            #expect(try await create("channel.chat.message", "1", chat).status == 403)
            _ = try await standIn.raw("POST", "/_stand-in/users/5001/authorization", body: #"{"scopes":["channel:bot"]}"#)
            #expect(try await create("channel.chat.message", "1", chat).status == 202)
            // Reading one's own chat asks no channel:bot.
            #expect(try await create("channel.chat.message", "1", ["broadcaster_user_id": "6001", "user_id": "6001"]).status == 202)
            #expect(try await standIn.authorization(of: "6001")["scopes"] == ["moderator:read:followers", "user:bot", "user:read:chat"])

            // The `authorized` flag grants every scope the catalog needs.
            let flagged = try await standIn.raw("POST", "/_stand-in/users", body: #"{"login":"flagged","id":"9009","authorized":true}"#)
            #expect(flagged.json["data"]?.arrayValue?.first?["authorized"] == true)
            for (type, version) in [("channel.ban", "1"), ("channel.moderator.add", "1"), ("channel.hype_train.end", "2"), ("channel.cheer", "1")] {
                #expect(try await create(type, version, ["broadcaster_user_id": "9009"]).status == 202, "\(type)")
            }
            let unflagged = try await standIn.raw("POST", "/_stand-in/users", body: #"{"login":"flagged","authorized":false}"#)
            #expect(unflagged.json["data"]?.arrayValue?.first?["authorized"] == false)
            #expect(try await create("channel.unban", "1", ["broadcaster_user_id": "9009"]).status == 403)

            let badScope = try await standIn.raw("POST", "/_stand-in/users/5001/authorization", body: #"{"scopes":["user_read"]}"#)
            #expect(badScope.status == 400)
            #expect(try await standIn.raw("GET", "/_stand-in/users/404404/authorization").status == 404)
        }
    }

    @Test func disconnectRevokesSubscriptionsAndNotifiesUserAuthorizationRevoke() async throws {
        try await withStandIn { standIn in
            try await withCallbackReceiver { callback, receiver in
                try standIn.state.addUser(id: "7001", login: "dave", displayName: "Dave")
                let tokens = try await standIn.userTokens(login: "dave", scopes: ["channel:read:subscriptions", "moderator:read:followers"])
                let client = standIn.makeClient()
                func subscribe(_ type: String, _ version: String, _ condition: [String: String]) async throws -> HelixSubscription {
                    let created = try await client.createEventSubSubscription(type: type, version: version, condition: condition,
                                                                              callback: callback, secret: Self.secret)
                    #expect(await eventually { standIn.state.subscription(id: created.id)?.status == "enabled" })
                    return created
                }
                let subscribeSubscription = try await subscribe("channel.subscribe", "1", ["broadcaster_user_id": "7001"])
                let follow = try await subscribe("channel.follow", "2", ["broadcaster_user_id": "7001", "moderator_user_id": "7001"])
                let online = try await subscribe("stream.online", "1", ["broadcaster_user_id": "7001"])
                let revokeWatch = try await subscribe("user.authorization.revoke", "1", ["client_id": "local-client-id"])

                let response = try await standIn.raw("POST", "/_stand-in/users/7001/disconnect")
                #expect(response.status == 200)
                #expect(response.json["scopes"] == [])
                #expect(response.json["revokedTokens"] == 2)
                let revokedIDs = Set((response.json["revokedSubscriptions"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue })
                #expect(revokedIDs == [subscribeSubscription.id, follow.id])
                #expect(response.json["revokedSubscriptions"]?.arrayValue?.allSatisfy { $0["revocation_status"] == 204 } == true)
                #expect(response.json["notifications"]?.arrayValue?.count == 1)

                #expect(standIn.state.subscription(id: subscribeSubscription.id)?.status == "authorization_revoked")
                #expect(standIn.state.subscription(id: follow.id)?.status == "authorization_revoked")
                #expect(standIn.state.subscription(id: online.id)?.status == "enabled")
                #expect(standIn.state.subscription(id: revokeWatch.id)?.status == "enabled")

                let verifier = DeliveryVerifier(signatures: SignatureVerifier(secrets: [Self.secret]))
                let revocations = receiver.deliveries(ofType: "revocation")
                #expect(Set(revocations.compactMap { $0.json["subscription"]?["id"]?.stringValue }) == [subscribeSubscription.id, follow.id])
                for revocation in revocations {
                    let verified = try verifier.verify(header: { revocation.headers[$0] }, body: revocation.body, now: wallClockSeconds()).get()
                    #expect(verified.messageType == .revocation)
                    #expect(revocation.json["subscription"]?["status"] == "authorization_revoked")
                }

                let notification = try #require(receiver.deliveries(ofType: "notification").first)
                let delivery = try verifier.verify(header: { notification.headers[$0] }, body: notification.body, now: wallClockSeconds()).get()
                #expect(delivery.messageType == .notification)
                #expect(delivery.subscriptionType == "user.authorization.revoke")
                #expect(notification.json["subscription"]?["id"]?.stringValue == revokeWatch.id)
                #expect(notification.json["event"] == [
                    "client_id": "local-client-id", "user_id": "7001", "user_login": "dave", "user_name": "Dave",
                ])

                // Every token is gone, and the grant with them.
                #expect(try await standIn.validate(try #require(tokens["access_token"]?.stringValue)).status == 401)
                #expect(try await standIn.refresh(try #require(tokens["refresh_token"]?.stringValue)).status == 400)
                let again = try await standIn.createSubscription(
                    type: "channel.cheer", version: "1", condition: ["broadcaster_user_id": "7001"], callback: callback, secret: Self.secret)
                #expect(again.json == Self.forbidden)

                // A second disconnect has nothing left to revoke and announces nothing.
                let second = try await standIn.raw("POST", "/_stand-in/users/7001/disconnect")
                #expect(second.json["revokedSubscriptions"] == [])
                #expect(second.json["notifications"] == [])
                #expect(receiver.deliveries(ofType: "notification").count == 1)
            }
        }
    }

    @Test func grantingNotifiesUserAuthorizationGrant() async throws {
        try await withStandIn { standIn in
            try await withCallbackReceiver { callback, receiver in
                try standIn.state.addUser(id: "7002", login: "eve", displayName: "Eve")
                let watch = try await standIn.makeClient().createEventSubSubscription(
                    type: "user.authorization.grant", version: "1", condition: ["client_id": "local-client-id"], callback: callback,
                    secret: Self.secret)
                #expect(await eventually { standIn.state.subscription(id: watch.id)?.status == "enabled" })
                let wrongClient = try await standIn.createSubscription(
                    type: "user.authorization.grant", version: "1", condition: ["client_id": "someone-else"], callback: callback,
                    secret: Self.secret)
                #expect(wrongClient.status == 400)

                let granted = try await standIn.raw("POST", "/_stand-in/users/7002/authorization", body: #"{"scopes":["bits:read"]}"#)
                #expect(granted.json["notifications"]?.arrayValue?.first?["status"] == 204)
                // The browser flow announces its grant too (after answering the redirect).
                _ = try await standIn.userTokens(login: "eve", scopes: ["channel:read:hype_train"])
                #expect(await eventually { receiver.deliveries(ofType: "notification").count == 2 })
                let verifier = DeliveryVerifier(signatures: SignatureVerifier(secrets: [Self.secret]))
                for notification in receiver.deliveries(ofType: "notification") {
                    let delivery = try verifier.verify(header: { notification.headers[$0] }, body: notification.body, now: wallClockSeconds()).get()
                    #expect(delivery.subscriptionType == "user.authorization.grant")
                    #expect(notification.json["event"] == ["client_id": "local-client-id", "user_id": "7002", "user_login": "eve", "user_name": "Eve"])
                }
                #expect(standIn.state.user(id: "7002")?.grantedScopes == ["bits:read", "channel:read:hype_train"])
            }
        }
    }
}
