import JSONValue

/// Google's error bodies for the Data API: `{"error":{"code","message","errors":[{"message",
/// "domain","reason",…}],…}}`, one factory per error the stand-in gives.
enum DataAPIError {
    /// 403, `youtube.quota`/`quotaExceeded`, with the link exactly as Google sends it.
    static func quotaExceeded() -> StandInResponse {
        let message = "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>."
        return body(403, message: message, errors: [["message": .string(message), "domain": "youtube.quota", "reason": "quotaExceeded"]])
    }

    /// No `key` and no OAuth token: 403 `forbidden`, status `PERMISSION_DENIED`.
    static func missingKey() -> StandInResponse {
        let message = "The request is missing a valid API key."
        return body(403, message: message, errors: [["message": .string(message), "domain": "global", "reason": "forbidden"]],
                    extra: ["status": "PERMISSION_DENIED"])
    }

    /// An unknown key: 400 `badRequest`, status `INVALID_ARGUMENT`, `API_KEY_INVALID` in details
    /// (the body Google sends today; older captures show reason `keyInvalid`).
    static func invalidKey() -> StandInResponse {
        let message = "API key not valid. Please pass a valid API key."
        return body(400, message: message, errors: [["message": .string(message), "domain": "global", "reason": "badRequest"]], extra: [
            "status": "INVALID_ARGUMENT",
            "details": [[
                "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com",
                "metadata": ["service": "youtube.googleapis.com"],
            ]],
        ])
    }

    /// `part` absent: 400 `required`.
    static func missingPart() -> StandInResponse {
        let message = "Required parameter: part"
        return body(400, message: message, errors: [[
            "message": .string(message), "domain": "global", "reason": "required", "location": "part", "locationType": "parameter",
        ]])
    }

    /// A `part` value the resource does not have: 400 `unknownPart`, the message being the part.
    static func unknownPart(_ part: String) -> StandInResponse {
        body(400, message: part, errors: [[
            "message": .string(part), "domain": "youtube.part", "reason": "unknownPart", "location": "part", "locationType": "parameter",
        ]])
    }

    /// None of the method's filters: 400 `missingRequiredParameter`.
    static func noFilter(expected: [String]) -> StandInResponse {
        let message = "No filter selected. Expected one of: " + expected.joined(separator: ", ")
        return parameterError(message, reason: "missingRequiredParameter")
    }

    /// More than one filter: 400 `incompatibleParameters`.
    static func incompatibleFilters(_ given: [String]) -> StandInResponse {
        parameterError("Incompatible parameters specified in the request: " + given.joined(separator: ", "), reason: "incompatibleParameters")
    }

    /// A filter value the method refuses (more than 50 ids; an unsupported chart).
    static func invalidFilter(_ message: String) -> StandInResponse {
        parameterError(message, reason: "invalidFilters")
    }

    /// What the stand-in does not model (`myRating`, `mine`, …: OAuth-only filters).
    static func loginRequired() -> StandInResponse {
        let message = "Login Required."
        return body(401, message: message, errors: [[
            "message": .string(message), "domain": "global", "reason": "required", "location": "Authorization", "locationType": "header",
        ]], extra: ["status": "UNAUTHENTICATED"])
    }

    static func notFound(_ path: String) -> StandInResponse {
        let message = "Method not found."
        return body(404, message: message, errors: [["message": .string(message), "domain": "global", "reason": "notFound"]],
                    extra: ["status": "NOT_FOUND"])
    }

    private static func parameterError(_ message: String, reason: String) -> StandInResponse {
        body(400, message: message, errors: [[
            "message": .string(message), "domain": "youtube.parameter", "reason": .string(reason), "location": "parameters.",
            "locationType": "other",
        ]])
    }

    private static func body(_ code: Int, message: String, errors: [JSONValue], extra: [String: JSONValue] = [:]) -> StandInResponse {
        var error: [String: JSONValue] = ["code": .int(Int64(code)), "message": .string(message), "errors": .array(errors)]
        for (key, value) in extra { error[key] = value }
        return .json(code, ["error": .object(error)])
    }
}
