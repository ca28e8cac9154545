import JSONValue
import NotificationMessages

/// `POST /_receiver/{name}`: an endpoint that receives Standard Webhooks the way a careful
/// customer would: `webhook-id`, `webhook-timestamp` (within the configured tolerance) and a
/// `webhook-signature` list with one `v1,` entry matching the receiver's secret (constant time,
/// `StandardWebhookVerifier`). 401 when verification fails, 404 for an unknown receiver, 204 when
/// accepted; repeats of an accepted `webhook-id` are accepted again and counted as duplicates.
extension DiscordStandInServer {
    func webhookReceiver(_ request: StandInRequest, name: String) async -> StandInResponse {
        guard request.method == "POST" else { return .controlError(405, "method_not_allowed", "receivers take POST") }
        guard let receiver = state.receiver(name: name) else { return .controlError(404, "unknown_receiver", "no receiver named \(name)") }
        let admission = state.admit(.receiver(name), global: nil, limited: false)
        switch admission.outcome {
        case .rateLimited(let retryAfter, _):
            var response = StandInResponse.text(429, "Too Many Requests")
            response.headers.append(("Retry-After", DecimalSeconds.wholeText(retryAfter)))
            return response
        case .proceed(let forced):
            if let early = await serve(forced, service: .receiver) { return early }
        }
        let verifier = StandardWebhookVerifier(secrets: [receiver.secret], toleranceSeconds: state.configuration.receiverToleranceSeconds)
        do {
            try verifier.verify(header: { request.header($0) }, body: request.body, now: Int64(state.clock()))
        } catch {
            return .controlError(401, "invalid_signature", error.description)
        }
        guard let id = request.header(StandardWebhookSigner.Header.id), let timestamp = request.header(StandardWebhookSigner.Header.timestamp).flatMap({ Int64($0) }) else {
            return .controlError(401, "invalid_signature", "missing webhook headers")
        }
        state.recordDelivery(receiver: name, messageID: id, timestamp: timestamp, rawBody: request.body)
        return .noContent()
    }
}
