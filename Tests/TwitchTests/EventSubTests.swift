import BlockingIO
import EventSub
import JSONValue
import Testing
import TwitchAPI
import TwitchStandIn

@Suite struct EventSubSubscriptionTests {
    static let secret = "stand-in-test-secret"

    @Test func createIsPendingThenEnabledAfterTheChallenge() async throws {
        try await withStandIn { standIn in
            try await withCallbackReceiver { callback, receiver in
                let client = standIn.makeClient()
                let created = try await client.createEventSubSubscription(
                    type: "stream.online", version: "1", condition: ["broadcaster_user_id": "1337"], callback: callback, secret: Self.secret)
                #expect(created.status == "webhook_callback_verification_pending")
                #expect(created.type == "stream.online")
                #expect(created.condition == ["broadcaster_user_id": "1337"])
                #expect(created.callback == callback)
                #expect(created.cost == 1)
                #expect(await eventually { standIn.state.subscription(id: created.id)?.status == "enabled" })

                // The challenge was a correctly signed webhook_callback_verification for this subscription.
                let challenge = try #require(receiver.deliveries(ofType: "webhook_callback_verification").first)
                let verified = DeliveryVerifier(signatures: SignatureVerifier(secrets: [Self.secret]))
                    .verify(header: { challenge.headers[$0] }, body: challenge.body, now: wallClockSeconds())
                #expect((try? verified.get())?.messageType == .webhookCallbackVerification)
                #expect(challenge.json["subscription"]?["id"]?.stringValue == created.id)
                #expect(challenge.json["subscription"]?["status"] == "webhook_callback_verification_pending")
                #expect(challenge.json["challenge"]?.stringValue?.isEmpty == false)
                #expect(challenge.headers["twitch-eventsub-subscription-type"] == "stream.online")
                #expect(challenge.headers["twitch-eventsub-subscription-version"] == "1")

                let listed = try await client.eventSubSubscriptions()
                #expect(listed.subscriptions.map(\.id) == [created.id])
                #expect(listed.subscriptions.first?.status == "enabled")
                #expect(listed.total == 1)
                #expect(listed.totalCost == 1)
                #expect(listed.maxTotalCost == 10_000)
            }
        }
    }

    @Test func failedVerificationWhenTheCallbackAnswersWrongOrNotAtAll() async throws {
        try await withStandIn { standIn in
            let client = standIn.makeClient()
            let nowhere = try await client.createEventSubSubscription(
                type: "stream.offline", version: "1", condition: ["broadcaster_user_id": "1"], callback: unreachableCallback, secret: Self.secret)
            try await withCallbackReceiver(CallbackReceiver(challengeAnswer: .wrongBody)) { callback, _ in
                let wrong = try await client.createEventSubSubscription(
                    type: "stream.offline", version: "1", condition: ["broadcaster_user_id": "2"], callback: callback, secret: Self.secret)
                #expect(await eventually { standIn.state.subscription(id: wrong.id)?.status == "webhook_callback_verification_failed" })
            }
            try await withCallbackReceiver(CallbackReceiver(challengeAnswer: .serverError)) { callback, _ in
                let failing = try await client.createEventSubSubscription(
                    type: "stream.offline", version: "1", condition: ["broadcaster_user_id": "3"], callback: callback, secret: Self.secret)
                #expect(await eventually { standIn.state.subscription(id: failing.id)?.status == "webhook_callback_verification_failed" })
            }
            #expect(await eventually { standIn.state.subscription(id: nowhere.id)?.status == "webhook_callback_verification_failed" })
            let failed = try await client.eventSubSubscriptions(status: "webhook_callback_verification_failed")
            #expect(failed.subscriptions.count == 3)
            // Failed subscriptions do not count against the cost limit and do not block a new attempt.
            #expect(failed.totalCost == 0)
            #expect(failed.total == 3)
            let retry = try await client.createEventSubSubscription(
                type: "stream.offline", version: "1", condition: ["broadcaster_user_id": "1"], callback: unreachableCallback, secret: Self.secret)
            #expect(retry.id != nowhere.id)
        }
    }

    @Test func duplicateIsConflictAndDeleteIsNoContentThenNotFound() async throws {
        try await withStandIn { standIn in
            try await withCallbackReceiver { callback, _ in
                let client = standIn.makeClient()
                // channel.follow needs the moderator's moderator:read:followers grant.
                try standIn.state.addUser(id: "1337", login: "cooler_user", hasAuthorizedApp: true)
                try standIn.state.addUser(id: "42", login: "other_user", hasAuthorizedApp: true)
                let condition = ["broadcaster_user_id": "1337", "moderator_user_id": "1337"]
                let created = try await client.createEventSubSubscription(
                    type: "channel.follow", version: "2", condition: condition, callback: callback, secret: Self.secret)
                #expect(await eventually { standIn.state.subscription(id: created.id)?.status == "enabled" })
                await #expect(throws: HelixError.conflict("subscription already exists")) {
                    _ = try await client.createEventSubSubscription(
                        type: "channel.follow", version: "2", condition: condition, callback: callback + "?other", secret: Self.secret)
                }
                // Another condition is another subscription.
                _ = try await client.createEventSubSubscription(
                    type: "channel.follow", version: "2", condition: ["broadcaster_user_id": "42", "moderator_user_id": "42"],
                    callback: callback, secret: Self.secret)

                try await client.deleteEventSubSubscription(id: created.id)
                #expect(standIn.state.subscription(id: created.id) == nil)
                await #expect(throws: HelixError.notFound("subscription not found")) {
                    try await client.deleteEventSubSubscription(id: created.id)
                }
                let headers = try await standIn.authorizedHeaders()
                let noID = try await standIn.raw("DELETE", "/helix/eventsub/subscriptions", headers: headers)
                #expect(noID.status == 400)
                #expect(try await client.eventSubSubscriptions().subscriptions.count == 1)
            }
        }
    }

    @Test func listingPagesThroughEverySubscription() async throws {
        try await withStandIn(StandInConfiguration(subscriptionPageSize: 3)) { standIn in
            let client = standIn.makeClient()
            try standIn.state.addUser(id: "777", login: "authorized_creator", hasAuthorizedApp: true)
            var created: [HelixSubscription] = []
            for index in 0..<10 {
                created.append(try await client.createEventSubSubscription(
                    type: index < 7 ? "stream.online" : "channel.update", version: index < 7 ? "1" : "2",
                    condition: ["broadcaster_user_id": index == 9 ? "777" : String(1000 + index)], callback: unreachableCallback,
                    secret: Self.secret))
            }
            #expect(created.last?.cost == 0)
            let before = standIn.state.helixRequestCount(path: "/helix/eventsub/subscriptions")
            let all = try await client.eventSubSubscriptions()
            // 10 subscriptions in pages of 3: 4 requests, oldest first, nothing twice.
            #expect(standIn.state.helixRequestCount(path: "/helix/eventsub/subscriptions") - before == 4)
            #expect(all.subscriptions.map(\.id) == created.map(\.id))
            #expect(all.total == 10)
            #expect(all.maxTotalCost == 10_000)

            let updates = try await client.eventSubSubscriptions(type: "channel.update")
            #expect(updates.subscriptions.map(\.id) == created.suffix(3).map(\.id))
            #expect(updates.total == 10)
            let forUser = try await client.eventSubSubscriptions(userID: "777")
            #expect(forUser.subscriptions.map(\.id) == [created[9].id])
            await #expect(throws: HelixError.self) { _ = try await client.eventSubSubscriptions(status: "enabled", type: "stream.online") }

            let headers = try await standIn.authorizedHeaders()
            let firstPage = try await standIn.raw("GET", "/helix/eventsub/subscriptions", headers: headers)
            #expect(firstPage.json["data"]?.arrayValue?.count == 3)
            #expect(firstPage.json["pagination"]?["cursor"]?.stringValue != nil)
            #expect(firstPage.json["data"]?.arrayValue?.first?["transport"]?["secret"] == nil)
            let byID = try await standIn.raw("GET", "/helix/eventsub/subscriptions?subscription_id=\(created[4].id)", headers: headers)
            #expect(byID.json["data"]?.arrayValue?.count == 1)
            #expect(byID.json["pagination"] == [:])
            let twoFilters = try await standIn.raw("GET", "/helix/eventsub/subscriptions?status=enabled&type=stream.online", headers: headers)
            #expect(twoFilters.status == 400)
            #expect(twoFilters.json["error"] == "Bad Request")
        }
    }

    @Test func invalidSubscriptionsAreRefused() async throws {
        try await withStandIn { standIn in
            let client = standIn.makeClient()
            await #expect(throws: HelixError.invalidArgument("secret must be 10 to 100 printable ASCII characters")) {
                _ = try await client.createEventSubSubscription(
                    type: "stream.online", version: "1", condition: ["broadcaster_user_id": "1"], callback: unreachableCallback, secret: "short")
            }
            let cases: [(String, String, [String: String])] = [
                ("stream.nothing", "1", ["broadcaster_user_id": "1"]),
                ("stream.online", "7", ["broadcaster_user_id": "1"]),
                ("stream.online", "1", [:]),
                ("stream.online", "1", ["broadcaster_user_id": "abc"]),
                ("channel.raid", "1", ["from_broadcaster_user_id": "1", "to_broadcaster_user_id": "2"]),
            ]
            for (type, version, condition) in cases {
                do {
                    _ = try await client.createEventSubSubscription(
                        type: type, version: version, condition: condition, callback: unreachableCallback, secret: Self.secret)
                    Issue.record("\(type) \(version) \(condition) should be refused")
                } catch let error as HelixError {
                    guard case .requestFailed(400, _) = error else { Issue.record("expected 400, got \(error)"); continue }
                }
            }
            let headers = try await standIn.authorizedHeaders()
            let websocket = try await standIn.raw(
                "POST", "/helix/eventsub/subscriptions", headers: headers + [("Content-Type", "application/json")],
                body: #"{"type":"stream.online","version":"1","condition":{"broadcaster_user_id":"1"},"transport":{"method":"webhook","callback":"http://x/y","secret":"123456789"}}"#)
            #expect(websocket.status == 400)
            #expect(websocket.json["message"] == "transport secret must be 10 to 100 ASCII characters")
            let notJSON = try await standIn.raw("POST", "/helix/eventsub/subscriptions", headers: headers, body: "{")
            #expect(notJSON.status == 400)
            #expect(standIn.state.subscriptions.isEmpty)
        }
    }
}

@Suite struct EventSubDeliveryTests {
    static let secret = "delivery-test-secret-01"

    @Test func triggerSendsANotificationThatVerifies() async throws {
        try await withStandIn { standIn in
            try await withCallbackReceiver { callback, receiver in
                let client = standIn.makeClient()
                let subscription = try await client.createEventSubSubscription(
                    type: "channel.raid", version: "1", condition: ["to_broadcaster_user_id": "1337"], callback: callback, secret: Self.secret)
                #expect(await eventually { standIn.state.subscription(id: subscription.id)?.status == "enabled" })

                let event: JSONValue = [
                    "from_broadcaster_user_id": "1234", "from_broadcaster_user_login": "cool_user", "from_broadcaster_user_name": "Cool_User",
                    "to_broadcaster_user_id": "1337", "to_broadcaster_user_login": "cooler_user", "to_broadcaster_user_name": "Cooler_User",
                    "viewers": 9001,
                ]
                let response = try await standIn.raw(
                    "POST", "/_stand-in/trigger", body: JSONWriter.string(["type": "channel.raid", "version": "1", "event": event]))
                #expect(response.status == 200)
                let reported = try #require(response.json["deliveries"]?.arrayValue?.first)
                #expect(reported["subscription_id"]?.stringValue == subscription.id)
                #expect(reported["status"] == 204)

                let notification = try #require(receiver.deliveries(ofType: "notification").first)
                let verifier = DeliveryVerifier(signatures: SignatureVerifier(secrets: [Self.secret]))
                let delivery = try verifier.verify(header: { notification.headers[$0] }, body: notification.body, now: wallClockSeconds()).get()
                #expect(delivery.messageType == .notification)
                #expect(delivery.messageID == reported["message_id"]?.stringValue)
                #expect(delivery.subscriptionType == "channel.raid")
                #expect(delivery.subscriptionVersion == "1")
                #expect(notification.headers["twitch-eventsub-message-retry"] == "0")
                #expect(notification.json["event"] == event)
                #expect(notification.json["subscription"]?["id"]?.stringValue == subscription.id)
                #expect(notification.json["subscription"]?["status"] == "enabled")
                #expect(notification.json["subscription"]?["condition"] == ["to_broadcaster_user_id": "1337"])
                // The wrong secret does not verify: the signature really covers this body.
                let wrong = DeliveryVerifier(signatures: SignatureVerifier(secrets: ["some-other-secret"]))
                #expect(throws: DeliveryRejection.badSignature) {
                    try wrong.verify(header: { notification.headers[$0] }, body: notification.body, now: wallClockSeconds()).get()
                }

                // An event for another broadcaster matches no subscription.
                var other = event.objectValue ?? [:]
                other["to_broadcaster_user_id"] = "999"
                let unmatched = try await standIn.raw(
                    "POST", "/_stand-in/trigger", body: JSONWriter.string(["type": "channel.raid", "version": "1", "event": .object(other)]))
                #expect(unmatched.status == 404)
                #expect(receiver.deliveries(ofType: "notification").count == 1)
            }
        }
    }

    @Test func triggerToAnExplicitCallbackSignsWithTheGivenSecret() async throws {
        try await withStandIn { standIn in
            try await withCallbackReceiver { callback, receiver in
                let event: JSONValue = ["broadcaster_user_id": "55", "broadcaster_user_login": "b", "broadcaster_user_name": "B"]
                let deliveries = try await standIn.server.trigger(type: "stream.offline", event: event, callback: callback, secret: Self.secret)
                #expect(deliveries.count == 1)
                #expect(deliveries.first?.status == 204)
                #expect(deliveries.first?.subscriptionID == nil)
                let notification = try #require(receiver.deliveries.first)
                let verifier = DeliveryVerifier(signatures: SignatureVerifier(secrets: [Self.secret]))
                #expect((try? verifier.verify(header: { notification.headers[$0] }, body: notification.body, now: wallClockSeconds()).get()) != nil)
                #expect(notification.json["subscription"]?["condition"] == ["broadcaster_user_id": "55"])
                await #expect(throws: StandInInputError.self) {
                    _ = try await standIn.server.trigger(type: "stream.offline", event: event, callback: callback, secret: nil)
                }
                // Locally the stand-in signs with the webhook function's secret when none is given.
                try await withStandIn(StandInConfiguration(defaultDeliverySecret: "default-delivery-secret")) { local in
                    let response = try await local.raw("POST", "/_stand-in/trigger", body: JSONWriter.string(
                        ["type": "stream.offline", "event": event, "callback": .string(callback)]))
                    #expect(response.status == 200)
                    let last = try #require(receiver.deliveries.last)
                    let defaultVerifier = DeliveryVerifier(signatures: SignatureVerifier(secrets: ["default-delivery-secret"]))
                    #expect((try? defaultVerifier.verify(header: { last.headers[$0] }, body: last.body, now: wallClockSeconds()).get()) != nil)
                    #expect(receiver.deliveries.count == 2)
                }
            }
        }
    }

    @Test func revokingSendsASignedRevocation() async throws {
        try await withStandIn { standIn in
            try await withCallbackReceiver { callback, receiver in
                let client = standIn.makeClient()
                // channel.subscribe needs the broadcaster's channel:read:subscriptions grant.
                try standIn.state.addUser(id: "1337", login: "cooler_user", hasAuthorizedApp: true)
                let subscription = try await client.createEventSubSubscription(
                    type: "channel.subscribe", version: "1", condition: ["broadcaster_user_id": "1337"], callback: callback, secret: Self.secret)
                #expect(await eventually { standIn.state.subscription(id: subscription.id)?.status == "enabled" })

                let response = try await standIn.raw(
                    "POST", "/_stand-in/subscriptions/\(subscription.id)/status", body: #"{"status":"authorization_revoked"}"#)
                #expect(response.status == 200)
                #expect(response.json["revocation_status"] == 204)
                let revocation = try #require(receiver.deliveries(ofType: "revocation").first)
                let verifier = DeliveryVerifier(signatures: SignatureVerifier(secrets: [Self.secret]))
                let delivery = try verifier.verify(header: { revocation.headers[$0] }, body: revocation.body, now: wallClockSeconds()).get()
                #expect(delivery.messageType == .revocation)
                #expect(revocation.json["subscription"]?["status"] == "authorization_revoked")
                #expect(revocation.json["event"] == nil)

                let listed = try await client.eventSubSubscriptions(status: "authorization_revoked")
                #expect(listed.subscriptions.map(\.id) == [subscription.id])
                #expect(listed.totalCost == 0)

                let unknownStatus = try await standIn.raw(
                    "POST", "/_stand-in/subscriptions/\(subscription.id)/status", body: #"{"status":"gone_fishing"}"#)
                #expect(unknownStatus.status == 400)
                let unknownID = try await standIn.raw("POST", "/_stand-in/subscriptions/nope/status", body: #"{"status":"enabled"}"#)
                #expect(unknownID.status == 404)
            }
        }
    }
}
