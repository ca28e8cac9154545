import Crypto
import Logging

/// WebSub §7: the hub posts the feed to each active subscriber of the topic, signed with the
/// subscription's secret (`X-Hub-Signature: sha1=<hex>`, as Google's hub signs), and retries
/// a failed delivery with doubling delays up to `deliveryAttempts`; `410 Gone` ends the
/// subscription.
extension YouTubeStandInServer {
    /// What to post and how: the body, its kind for the records, and how to sign it.
    struct Distribution: Sendable {
        let kind: String
        let videoID: String?
        let body: @Sendable (HubSubscription) -> String
        /// The secret to sign with for a subscription (nil: unsigned).
        let signingSecret: @Sendable (HubSubscription) -> String?

        init(kind: String, videoID: String?, body: @escaping @Sendable (HubSubscription) -> String,
             signingSecret: @escaping @Sendable (HubSubscription) -> String? = { $0.secret }) {
            self.kind = kind
            self.videoID = videoID
            self.body = body
            self.signingSecret = signingSecret
        }
    }

    /// Starts one delivery per active subscription of the channel's topic (in the background,
    /// retries included) and returns their record ids.
    @discardableResult
    func distribute(_ distribution: Distribution, channelID: String, attempts: Int? = nil) -> [Int] {
        state.activeSubscriptions(channelID: channelID).map { subscription in
            deliver(distribution, to: subscription, attempts: attempts ?? configuration.deliveryAttempts)
        }
    }

    /// Delivers to one subscription (its callback and topic) in the background; returns the
    /// delivery record's id.
    func deliver(_ distribution: Distribution, to subscription: HubSubscription, attempts: Int) -> Int {
        let body = Array(distribution.body(subscription).utf8)
        var headers = [
            ("Content-Type", "application/atom+xml"),
            ("Link", "<\(configuration.advertisedHubURL)>; rel=hub, <\(subscription.topic)>; rel=self"),
        ]
        var signature: String?
        if let secret = distribution.signingSecret(subscription) {
            signature = "sha1=" + Self.hmacSHA1Hex(secret: secret, body: body)
            headers.append(("X-Hub-Signature", signature!))
        }
        let id = state.startDelivery(callback: subscription.callback, topic: subscription.topic, kind: distribution.kind,
                                     videoID: distribution.videoID, signature: signature, bodyBytes: body.count)
        let headersToSend = headers
        work.start { [self] in
            await self.attempt(delivery: id, subscription: subscription, headers: headersToSend, body: body, attempts: attempts)
        }
        return id
    }

    private func attempt(delivery id: Int, subscription: HubSubscription, headers: [(String, String)], body: [UInt8], attempts: Int) async {
        var delay = configuration.deliveryRetrySeconds
        for number in 1...attempts {
            let answer = await callbacks.post(subscription.callback, headers: headers, body: body)
            let attempt = HubDelivery.Attempt(status: answer.status, error: answer.failure)
            if answer.isSuccess {
                state.recordAttempt(delivery: id, attempt, outcome: "delivered")
                return
            }
            if answer.status == 410 {
                // WebSub §7: Gone asks the hub to end the subscription.
                state.recordAttempt(delivery: id, attempt, outcome: "gone")
                state.removeSubscription(callback: subscription.callback, topic: subscription.topic)
                return
            }
            let last = number == attempts
            state.recordAttempt(delivery: id, attempt, outcome: last ? "failed" : "pending")
            logger.info("delivery failed", metadata: [
                "delivery": "\(id)", "attempt": "\(number)", "answer": "\(answer.status.map(String.init) ?? answer.failure ?? "none")",
            ])
            if last { return }
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            delay *= 2
        }
    }

    static func hmacSHA1Hex(secret: String, body: [UInt8]) -> String {
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in code {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
