import DiscordStandIn
import Files
import JSONValue
import NotificationMessages
import Processes
import Settings
import TestSupport
import Testing

/// The Slack-shaped incoming webhook and the Standard Webhooks receiver, over HTTP.
@Suite struct DiscordStandInSlackAndReceiverTests {
    @Test func slackIncomingWebhookAnswersLikeSlack() async throws {
        try await DiscordStandInFixture.with { standIn in
            let hook = standIn.state.createSlackHook(channel: "#alerts")
            let ok = try await standIn.post(hook.path, json: ["text": "Zoë is live", "blocks": [["type": "section", "text": ["type": "mrkdwn", "text": "hi"]]]])
            #expect(ok.status == 200 && ok.text == "ok" && ok.header("content-type")?.hasPrefix("text/plain") == true)
            #expect(standIn.state.slackMessages(hookID: hook.hookID).map(\.text) == ["Zoë is live"])

            // Over about one message per second: 429 with Retry-After; retrying early is hammering.
            let limited = try await standIn.post(hook.path, json: ["text": "again"])
            #expect(limited.status == 429 && limited.text == "rate_limited" && limited.header("retry-after") == "1")
            #expect(try await standIn.post(hook.path, json: ["text": "hammer"]).status == 429)
            #expect(standIn.state.counters(slackHookID: hook.hookID).hammering == 1)
            try await discordStandInSleep(1)
            standIn.state.setSlackLimit(hookID: hook.hookID, limit: 100, windowSeconds: 1)

            let badJSON = try await standIn.post(hook.path, text: "{\"text\": ")
            #expect(badJSON.status == 400 && badJSON.text == "invalid_payload")
            let array = try await standIn.post(hook.path, text: "[1]")
            #expect(array.status == 400 && array.text == "invalid_payload")
            let noText = try await standIn.post(hook.path, json: ["username": "x"])
            #expect(noText.status == 400 && noText.text == "no_text")
            let badBlocks = try await standIn.post(hook.path, json: ["text": "x", "blocks": "nope"])
            #expect(badBlocks.status == 400 && badBlocks.text == "invalid_blocks")
            let form = try await standIn.post(hook.path, text: "payload=%7B%22text%22%3A%22form%22%7D",
                                              headers: [("Content-Type", "application/x-www-form-urlencoded")])
            #expect(form.status == 200 && form.text == "ok")

            let unknown = try await standIn.post("/services/\(hook.teamID)/BUNKNOWN/\(hook.token)", json: ["text": "x"])
            #expect(unknown.status == 404 && unknown.text == "no_service")
            let wrongToken = try await standIn.post("/services/\(hook.teamID)/\(hook.hookID)/nottherighttoken", json: ["text": "x"])
            #expect(wrongToken.status == 403 && wrongToken.text == "invalid_token")
            standIn.state.force([.status(500), .status(410)], slackHookID: hook.hookID)
            let serverError = try await standIn.post(hook.path, json: ["text": "x"])
            #expect(serverError.status == 500 && serverError.text == "rollup_error")
            let archived = try await standIn.post(hook.path, json: ["text": "x"])
            #expect(archived.status == 410 && archived.text == "channel_is_archived")
            #expect(standIn.state.deleteSlackHook(id: hook.hookID))
            let removed = try await standIn.post(hook.path, json: ["text": "x"])
            #expect(removed.status == 404 && removed.text == "no_service")
            #expect(standIn.state.slackMessages(hookID: hook.hookID).map(\.text) == ["Zoë is live", "form"])
        }
    }

    // Standard Webhooks' known-answer vector (the reference libraries' signing test).
    static let vectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let vectorID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let vectorTimestamp: Int64 = 1_614_265_330
    static let vectorBody = #"{"test": 2432232314}"#
    static let vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    @Test func receiverVerifiesTheKnownAnswerVectorAndCountsDuplicates() async throws {
        // The stand-in's clock at the vector's time, so its timestamp is fresh.
        let state = DiscordStandInState(clock: { Double(Self.vectorTimestamp + 30) })
        try await DiscordStandInFixture.with(state: state) { standIn in
            let receiver = try standIn.state.registerReceiver(name: "customer", secret: try #require(WebhookSecret(Self.vectorSecret)))
            func deliver(id: String = Self.vectorID, timestamp: Int64 = Self.vectorTimestamp, signature: String? = Self.vectorSignature,
                         body: String = Self.vectorBody) async throws -> DiscordStandInReply {
                var headers = [("webhook-id", id), ("webhook-timestamp", String(timestamp))]
                if let signature { headers.append(("webhook-signature", signature)) }
                return try await standIn.post(receiver.path, text: body, headers: headers + [("Content-Type", "application/json")])
            }
            #expect(try await deliver().status == 204)
            // Rotation: a list with a stale signature first, then the right one.
            #expect(try await deliver(signature: "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " + Self.vectorSignature).status == 204)
            let tampered = try await deliver(body: #"{"test": 2432232315}"#)
            #expect(tampered.status == 401 && tampered.json["error"]?["code"] == "invalid_signature")
            #expect(try await deliver(signature: "v1," + String(Self.vectorSignature.dropFirst(3).reversed())).status == 401)
            #expect(try await deliver(signature: nil).status == 401)
            #expect(try await deliver(timestamp: Self.vectorTimestamp - 400).status == 401, "older than 5 minutes")
            #expect(try await standIn.post("/_receiver/nobody", text: Self.vectorBody).status == 404)

            standIn.state.force([.status(410), .status(500)], receiver: receiver.name)
            #expect(try await deliver().status == 410)
            #expect(try await deliver().status == 500)

            let deliveries = standIn.state.deliveries(receiver: receiver.name)
            #expect(deliveries.map(\.isDuplicate) == [false, true])
            #expect(deliveries.allSatisfy { $0.messageID == Self.vectorID && String(decoding: $0.rawBody, as: UTF8.self) == Self.vectorBody })
            let counters = standIn.state.counters(receiver: receiver.name)
            #expect(counters.accepted == 2 && counters.duplicates == 1 && counters.forcedFailures == 2 && counters.requests == 8)
        }
    }

    @Test func receiverAcceptsWhatTheProductSigns() async throws {
        try await DiscordStandInFixture.with { standIn in
            let receiver = try standIn.state.registerReceiver(name: "product")
            let body = Array(#"{"type":"stream.online","data":{"login":"zoe"}}"#.utf8)
            let id = StandardWebhookSigner.messageID(eventID: "event-1", destinationID: "destination-1")
            let headers = StandardWebhookSigner(secret: receiver.secret).headers(messageID: id, timestamp: Int64(standIn.state.currentTime), body: body)
            let reply = try await standIn.request("POST", receiver.path, headers: headers, body: body)
            #expect(reply.status == 204)
            let other = StandardWebhookSigner(secret: WebhookSecret.generate()).headers(messageID: id, timestamp: Int64(standIn.state.currentTime), body: body)
            #expect(try await standIn.request("POST", receiver.path, headers: other, body: body).status == 401)
        }
    }

    /// The PyPI `standardwebhooks` library (pinned in Tests/requirements.txt) signs; the receiver accepts.
    @Test func receiverAcceptsTheReferencePythonLibrary() async throws {
        let status = try? await ChildProcess.run("python3", ["-c", "import standardwebhooks"], environment: Environment().all, outputPath: "/dev/null")
        let missing = status == 0 ? nil : "python3 cannot import standardwebhooks: python3 -m pip install -r Tests/requirements.txt (local-runner/test does this)"
        guard try Prerequisite.available(missing) else { return }
        try await DiscordStandInFixture.with { standIn in
            let receiver = try standIn.state.registerReceiver(name: "python")
            let body = #"{"type":"stream.online","data":{"title":"über <@&1> & more"}}"#
            let id = "msg_python1"
            let timestamp = Int64(standIn.state.currentTime)
            let directory = try FileSystem.temporaryDirectory(prefix: "ccr-discord-stand-in-python")
            defer { FileSystem.removeTree(directory) }
            var environment = Environment().all
            environment.merge(["SW_SECRET": receiver.secret.encoded, "SW_ID": id, "SW_TS": String(timestamp), "SW_BODY": body]) { $1 }
            let script = """
                import os
                from datetime import datetime, timezone
                from standardwebhooks.webhooks import Webhook
                print(Webhook(os.environ["SW_SECRET"]).sign(os.environ["SW_ID"], datetime.fromtimestamp(int(os.environ["SW_TS"]), tz=timezone.utc), os.environ["SW_BODY"]))
                """
            let exit = try await ChildProcess.run("python3", ["-c", script], environment: environment, outputPath: directory + "/out")
            let signature = (FileSystem.readText(directory + "/out") ?? "").trimmingWhitespace()
            #expect(exit == 0 && signature.hasPrefix("v1,"), "\(signature)")
            let reply = try await standIn.post(receiver.path, text: body, headers: [
                ("webhook-id", id), ("webhook-timestamp", String(timestamp)), ("webhook-signature", signature), ("Content-Type", "application/json"),
            ])
            #expect(reply.status == 204, "\(reply.text)")
            #expect(standIn.state.deliveries(receiver: "python").map(\.messageID) == [id])
        }
    }
}
