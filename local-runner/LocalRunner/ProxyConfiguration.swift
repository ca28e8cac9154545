import Router

/// The HAProxy configuration of `up --replicas N`: the public port routes like the production
/// ingress (infra/), with several instances behind it.
///
/// - `/socket.io/` → the N relays: cookie affinity (`SERVERID`, inserted by the proxy) so every
///   request of a long-polling session reaches the relay that holds it, WebSocket upgrades kept
///   open by `timeout tunnel`, `GET /healthz` checks (a killed relay is taken out of rotation,
///   a restarted one comes back after `rise` good checks), and a request for a relay that refuses
///   the connection is redispatched to another one.
/// - the webhook function's routes (from `infra/routes.json`) → N `twitch-webhook` instances,
///   round robin, health checked.
/// - everything else → the local router (on an internal port), which starts the other functions.
/// - `/metrics` never from outside: the router's and the relays' Prometheus text stay internal
///   (the internal stats listener serves HAProxy's own, `/metrics`, and its stats page, `/`).
public struct ProxyConfiguration: Sendable, Equatable {
    public struct Server: Sendable, Equatable {
        /// Also the supervised unit's name and the affinity cookie's value (`socket-relay-1`).
        public let name: String
        public let port: Int

        public init(name: String, port: Int) {
            self.name = name
            self.port = port
        }
    }

    /// Where browsers, Twitch and API clients connect (`--port`).
    public var publicPort: Int
    /// The local router, behind the proxy.
    public var routerPort: Int
    public var relays: [Server]
    public var webhooks: [Server]
    /// Path prefixes of the webhook function (`/webhooks/twitch`), exact or on a segment boundary.
    public var webhookPrefixes: [String]
    /// HAProxy's own stats page (`/`, `/;csv`) and Prometheus text (`/metrics`), on loopback only.
    public var statsPort: Int

    /// The engine.io path (socket.io's default), as the dashboard's client uses it.
    public static let socketIOPath = "/socket.io/"
    /// The affinity cookie HAProxy inserts for the relays.
    public static let affinityCookie = "SERVERID"

    public init(publicPort: Int, routerPort: Int, relays: [Server], webhooks: [Server], webhookPrefixes: [String], statsPort: Int) {
        self.publicPort = publicPort
        self.routerPort = routerPort
        self.relays = relays
        self.webhooks = webhooks
        self.webhookPrefixes = webhookPrefixes
        self.statsPort = statsPort
    }

    /// The webhook function's prefixes in the route table.
    static func webhookPrefixes(in table: RouteTable, function: String = "twitch-webhook") -> [String] {
        table.routes.filter { $0.function == function }.map(\.prefix)
    }

    /// The whole `haproxy.cfg`.
    public var text: String {
        let webhookACL = webhookPrefixes.flatMap { prefix -> [String] in
            let base = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
            return ["    acl webhook path \(base)", "    acl webhook path_beg \(base)/"]
        }.joined(separator: "\n")
        let relayLines = relays.map { "    server \($0.name) 127.0.0.1:\($0.port) check cookie \($0.name)" }.joined(separator: "\n")
        let webhookLines = webhooks.map { "    server \($0.name) 127.0.0.1:\($0.port) check" }.joined(separator: "\n")
        return """
            # Written by local-runner (up --replicas \(relays.count)) at every start; edits are overwritten.
            # The same routes and affinity as the production ingress (infra/).
            global
                log stdout format raw local0 info
                # No maxconn: HAProxy derives it from the descriptor limit it may raise to.

            defaults
                mode http
                log global
                option httplog
                option dontlognull
                option forwardfor
                # A server that refuses the connection (a killed relay before its check fails):
                # retry on another one at once.
                retries 3
                option redispatch 1
                timeout connect 1s
                timeout queue 5s
                timeout http-request 10s
                timeout http-keep-alive 10s
                # Long-polling holds a GET up to the ping interval (25 s) plus the ping timeout (20 s).
                timeout client 60s
                timeout server 60s
                # Upgraded WebSockets: the relay pings every 25 s; an hour of silence closes them.
                timeout tunnel 1h
                timeout client-fin 5s
                timeout server-fin 5s
                # Checks every 100 ms: a killed process (connection refused) is out of rotation
                # before the supervisor has restarted it, so its clients reconnect to another
                # instance; a restarted one is back after three good checks a second apart.
                timeout check 2s
                default-server inter 100ms fastinter 100ms downinter 1s rise 3 fall 1

            frontend public
                bind 127.0.0.1:\(publicPort)
                # Never /metrics from outside (percent-encoded spellings too).
                http-request deny deny_status 403 if { path,url_dec -m beg -i /metrics }
                acl socketio path_beg \(Self.socketIOPath)
            \(webhookACL)
                use_backend relays if socketio
            \(webhookPrefixes.isEmpty ? "" : "    use_backend webhooks if webhook")
                default_backend router

            backend relays
                balance roundrobin
                # Long-polling needs affinity: the relay holding a session is the only one that knows its sid.
                cookie \(Self.affinityCookie) insert indirect nocache httponly
                option httpchk GET /healthz
                http-check expect status 200
            \(relayLines)

            backend webhooks
                balance roundrobin
                option httpchk GET /healthz
                http-check expect status 200
            \(webhookLines)

            backend router
                server router 127.0.0.1:\(routerPort)

            frontend internal-stats
                bind 127.0.0.1:\(statsPort)
                http-request use-service prometheus-exporter if { path /metrics }
                stats enable
                stats uri /
                stats refresh 5s

            """
    }

    /// What the runner writes next to the config (`proxy.env`) for operators and tests: the
    /// public URL, the internal ones and the stats listener.
    public var pairs: [(String, String)] {
        [("PROXY_URL", "http://127.0.0.1:\(publicPort)"),
         ("PROXY_STATS_URL", "http://127.0.0.1:\(statsPort)"),
         ("ROUTER_INTERNAL_URL", "http://127.0.0.1:\(routerPort)"),
         ("RELAY_INTERNAL_URLS", relays.map { "\($0.name)=http://127.0.0.1:\($0.port)" }.joined(separator: ",")),
         ("WEBHOOK_INTERNAL_URLS", webhooks.map { "\($0.name)=http://127.0.0.1:\($0.port)" }.joined(separator: ","))]
    }
}

extension InstanceFiles {
    /// The proxy's folder: `haproxy.cfg`, `haproxy.log`, `proxy.env` (only with `up --replicas`).
    public var proxyDirectory: String { dataDirectory + "/haproxy" }
    public var proxyEnvironment: String { proxyDirectory + "/proxy.env" }
}
