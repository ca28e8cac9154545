import Crypto
import JSONValue
import URLEncoding

/// Slack's incoming webhooks: `POST /services/{team}/{hook}/{token}` with a JSON body (or a form
/// with `payload=`). Answers are plain text, as at Slack: 200 `ok`; 400 `invalid_payload` (not
/// a JSON object), `no_text` (neither `text` nor `blocks` nor `attachments`), `invalid_blocks`;
/// 404 `no_service` (unknown or removed hook), 403 `invalid_token` (a known hook, another token);
/// 429 `rate_limited` with `Retry-After` (whole seconds) over the hook's limit.
extension DiscordStandInServer {
    static func slackPath(_ segments: [String]) -> (team: String, hook: String, token: String)? {
        guard segments.count == 4, segments[0] == "services" else { return nil }
        return (segments[1], segments[2], segments[3])
    }

    func slackWebhook(_ request: StandInRequest, team: String, hookID: String, token: String) async -> StandInResponse {
        guard request.method == "POST" else { return .text(405, "invalid_method") }
        guard let hook = state.slackHook(id: hookID), hook.teamID == team else { return .text(404, "no_service") }
        guard SHA256.hash(data: Array(hook.token.utf8)) == SHA256.hash(data: Array(token.utf8)) else { return .text(403, "invalid_token") }
        let admission = state.admit(.slack(hookID), global: nil)
        switch admission.outcome {
        case .rateLimited(let retryAfter, _):
            var response = StandInResponse.text(429, "rate_limited")
            response.headers.append(("Retry-After", DecimalSeconds.wholeText(retryAfter)))
            return response
        case .proceed(let forced):
            if let early = await serve(forced, service: .slack) { return early }
        }
        var bytes = request.body
        if request.header("content-type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            guard let payload = QueryItems(String(decoding: request.body, as: UTF8.self)).first("payload") else {
                return .text(400, "invalid_payload")
            }
            bytes = Array(payload.utf8)
        }
        guard let body = try? JSONParser.parse(bytes), body.objectValue != nil else { return .text(400, "invalid_payload") }
        if let blocks = body["blocks"], !blocks.isNull {
            guard let list = blocks.arrayValue, list.allSatisfy({ $0["type"]?.stringValue != nil }) else { return .text(400, "invalid_blocks") }
        }
        let hasText = !(body["text"]?.stringValue ?? "").isEmpty
        let hasBlocks = !(body["blocks"]?.arrayValue ?? []).isEmpty
        let hasAttachments = !(body["attachments"]?.arrayValue ?? []).isEmpty
        guard hasText || hasBlocks || hasAttachments else { return .text(400, "no_text") }
        state.recordSlackMessage(hook: hook, body: body, rawBody: request.body)
        return .text(200, "ok")
    }
}
