import API
import EventSub
import FunctionRuntime
import FunctionServer
import JSONValue
import YouTubeAPI

extension CreatorsRoutes {
    /// `GET /api/platforms`: what the deployment's platform budgets leave (issue 17: "the
    /// dashboard shows what is left"). YouTube's daily quota is one Google project's, shared by
    /// every agency, counted in Redis by every caller (`QuotaBudget`): what this answers is that
    /// count, the same one the `youtube-status` job degrades by. `quota` is null when YouTube is
    /// not configured; 503 when Redis cannot be read.
    @Sendable func platformsStatus(_ request: APIRequest) async throws -> FunctionResponse {
        guard let youTube = platforms.youTube else {
            return .json(["youtube": ["configured": false, "quota": .null]])
        }
        let usage: QuotaUsage
        do {
            usage = try await youTube.quota.usage()
        } catch {
            throw FunctionError(status: 503, code: "quota_unavailable", message: "the YouTube quota count cannot be read right now")
        }
        return .json(["youtube": ["configured": true, "quota": [
            "day": .string(usage.day), "used": .int(Int64(usage.used)), "limit": .int(Int64(usage.limit)),
            "remaining": .int(Int64(usage.remaining)), "level": .string(usage.degradation.rawValue),
            "resetsAt": .string(RFC3339.format(unixSeconds: Double(usage.resetsAt))),
        ]]])
    }
}
