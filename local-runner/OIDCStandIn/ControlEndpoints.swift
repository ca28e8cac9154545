import JSONValue
import URLEncoding

/// The `/_stand-in/` control surface (documented on `OIDCStandInServer`).
extension OIDCStandInServer {
    func control(_ request: OIDCRequest) -> OIDCResponse {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        do throws(OIDCStandInInputError) {
            switch (request.method, segments) {
            case ("GET", ["_stand-in", "users"]):
                return .json(200, ["users": .array(state.users.map(\.json))])
            case ("PUT", let path) where path.count == 3 && path[0] == "_stand-in" && path[1] == "users":
                guard let sub = PercentEncoding.decode(path[2]), !sub.isEmpty else { throw OIDCStandInInputError("the path needs a sub") }
                let claims = try jsonObject(request)
                if let bodySub = claims["sub"], bodySub != .string(sub) { throw OIDCStandInInputError("sub in the body differs from the path") }
                let user = OIDCStandInUser(sub: sub, claims: claims.filter { $0.key != "sub" })
                try state.setUser(user)
                return .json(200, user.json)
            case ("POST", ["_stand-in", "next-id-token"]):
                let override = try IDTokenOverride(json: .object(try jsonObject(request)))
                state.setNextIDToken(override)
                return .json(200, override.json)
            case ("DELETE", ["_stand-in", "next-id-token"]):
                state.setNextIDToken(nil)
                return OIDCResponse(status: 204, headers: [], body: [])
            case (_, ["_stand-in", "users"]): return .methodNotAllowed("GET")
            case (_, let path) where path.count == 3 && path[0] == "_stand-in" && path[1] == "users": return .methodNotAllowed("PUT")
            case (_, ["_stand-in", "next-id-token"]): return .methodNotAllowed("POST, DELETE")
            default:
                return .oauthError(404, "not_found", "no such control endpoint")
            }
        } catch {
            return .oauthError(400, "invalid_request", error.description)
        }
    }

    private func jsonObject(_ request: OIDCRequest) throws(OIDCStandInInputError) -> [String: JSONValue] {
        guard let value = try? JSONParser.parse(request.body), let object = value.objectValue else {
            throw OIDCStandInInputError("the body must be a JSON object")
        }
        return object
    }
}
