import AsyncHTTPClient
import BlockingIO
import CreatorLinks
import EventSub
import JSONValue
import NIOCore
import NIOHTTP1
import Postgres

/// Links a creator on a running local instance the way a creator does, through the product's
/// own pages: a link request is made (as the API would make it), the Twitch stand-in is told to
/// approve as that creator, and the link page → stand-in authorize → `/creator-link/callback`
/// chain is followed over HTTP through the router. Used by `ccr-local creator link`, by
/// `creator add --link`, and by the demo (a follow only reaches agencies whose creator linked).
public struct CreatorLinker: Sendable {
    let adminURL: String
    let routerURL: String
    let standInURL: String

    public init(adminURL: String, routerURL: String, standInURL: String) {
        self.adminURL = adminURL
        self.routerURL = routerURL
        self.standInURL = standInURL
    }

    public func link(companyID: String, creatorID: String) async throws {
        let connection = try PostgresConnection(url: adminURL)
        let (state, twitchUserID, login) = try connection.withTenantScope(companyId: companyID) { () throws -> (String, String, String) in
            guard let row = try connection.query("SELECT twitch_user_id, login, twitch_event_types FROM creators WHERE id = $1 AND company_id = $2",
                                                 [creatorID, companyID]).first else {
                throw OperatorCommands.Failure(description: "company \(companyID) has no creator \(creatorID)")
            }
            let types = PostgresArray.parse(row["twitch_event_types"] ?? "{}")
            let request = try LinkRequest.create(companyID: companyID, creatorID: creatorID, eventTypes: types,
                                                 scopes: EventSubCatalog.scopes(for: types), requestedBy: "ccr-local", on: connection)
            return (request.state, try row.require("twitch_user_id"), try row.require("login"))
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        do {
            try await follow(state: state, twitchUserID: twitchUserID, login: login, client: client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private func follow(state: String, twitchUserID: String, login: String, client: HTTPClient) async throws {
        _ = try await send(client, "POST", standInURL + "/_stand-in/users", json: ["users": [["id": .string(twitchUserID), "login": .string(login)]]])
        _ = try await send(client, "POST", standInURL + "/_stand-in/oauth/auto-approve", json: ["user_id": .string(twitchUserID), "decision": "approve"])
        do {
            try await chain(state: state, client: client)
        } catch {
            _ = try? await send(client, "POST", standInURL + "/_stand-in/oauth/auto-approve", json: ["decision": .null])
            throw error
        }
        // Off again before returning: a browser opening a link next must see the consent page.
        _ = try await send(client, "POST", standInURL + "/_stand-in/oauth/auto-approve", json: ["decision": .null])
    }

    private func chain(state: String, client: HTTPClient) async throws {
        let page = try await send(client, "GET", routerURL + "/creator-link/" + state)
        guard page.status == 200, let start = page.body.firstRange(of: "id=\"authorize\" href=\"") else {
            throw OperatorCommands.Failure(description: "the link page answered \(page.status)")
        }
        let rest = page.body[start.upperBound...]
        let authorize = String(rest[..<(rest.firstIndex(of: "\"") ?? rest.endIndex)]).replacing("&amp;", with: "&")
        let consent = try await send(client, "GET", authorize)
        guard consent.status == 302, let location = consent.location, let query = location.firstIndex(of: "?") else {
            throw OperatorCommands.Failure(description: "the Twitch stand-in did not redirect back (\(consent.status))")
        }
        let callback = try await send(client, "GET", routerURL + "/creator-link/callback" + location[query...])
        guard callback.status == 200, callback.body.contains("data-outcome=\"linked\"") else {
            throw OperatorCommands.Failure(description: "the callback answered \(callback.status): \(callback.body.prefix(300))")
        }
    }

    private func send(_ client: HTTPClient, _ method: String, _ url: String, json: JSONValue? = nil) async throws -> (status: Int, location: String?, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .RAW(value: method)
        if let json {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: JSONWriter.string(json)))
        }
        let response = try await client.execute(request, timeout: .seconds(15))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.first(name: "location"), String(buffer: body))
    }
}
