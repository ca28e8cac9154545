public import FunctionRuntime
public import FunctionServer
public import Settings

/// The `dashboard` function: the NOC view's static files and `/dashboard/config.json`, routed
/// by the route table at `/` (exact) and `/dashboard` like every other function.
public struct DashboardFunction: HTTPFunction {
    public let assets: DashboardAssets
    public let config: String

    public init(assets: DashboardAssets, relayURL: String?, apiBase: String = "") {
        self.assets = assets
        self.config = DashboardAssets.configJSON(relayURL: relayURL, apiBase: apiBase)
    }

    /// `DASHBOARD_DIRECTORY` (the files, default `/app/dashboard` as in the container image),
    /// `RELAY_PUBLIC_URL` (where browsers reach the relay; unset = same origin, behind the
    /// ingress at `/socket.io/`), `DASHBOARD_IMAGE_ORIGINS` (comma-separated, e.g. the bucket
    /// that serves uploaded logos).
    public init(environment: Environment) throws {
        let directory = environment.optional("DASHBOARD_DIRECTORY") ?? "/app/dashboard"
        let relayURL = environment.optional("RELAY_PUBLIC_URL")
        if let relayURL, DashboardAssets.origin(of: relayURL) == nil {
            throw ConfigurationError("RELAY_PUBLIC_URL must be an http(s) or ws(s) URL without credentials")
        }
        let images = (environment.optional("DASHBOARD_IMAGE_ORIGINS") ?? "").split(separator: ",").map { String($0) }
        for origin in images where DashboardAssets.origin(of: origin) == nil {
            throw ConfigurationError("DASHBOARD_IMAGE_ORIGINS: \(origin) is not an http(s) origin")
        }
        let assets: DashboardAssets
        do {
            assets = try DashboardAssets(directory: directory, imageOrigins: images.compactMap(DashboardAssets.origin(of:)),
                                         connectOrigins: relayURL.map(DashboardAssets.connectOrigins(forRelayURL:)) ?? [])
        } catch {
            throw ConfigurationError("DASHBOARD_DIRECTORY: \(error)")
        }
        self.init(assets: assets, relayURL: relayURL)
    }

    public func handle(_ request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        let reply = assets.reply(method: request.method, path: request.path, ifNoneMatch: request.header("if-none-match"),
                                 config: { config })
        return FunctionResponse(status: reply.status, headers: reply.headers, body: reply.body)
    }
}
