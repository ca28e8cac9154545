import Router

extension InfraManifests {
    /// One Knative Service per HTTP function, and the Ingress objects that route every public
    /// prefix (and the relay's `/socket.io/`) to them.
    static func render(_ table: RouteTable, options: Options) -> [(String, String)] {
        var files: [(String, String)] = []
        for function in table.functions {
            let routes = table.routes.filter { $0.function == function }
            // The first entry of a function carries its settings; later entries only add paths.
            let route = routes[0]
            files.append(("knative/\(function).yaml", YAMLWriter.document(knativeService(function, route: route, options: options), comments: [
                header(from: "infra/routes.json"),
                route.description,
                "Paths: " + routes.map { $0.exact ? "\($0.prefix) (exact)" : $0.prefix }.joined(separator: ", "),
            ])))
        }
        files.append(("ingress/routes.yaml", renderIngress(table, options: options)))
        return files
    }

    /// Scale to zero (`minScale` 0: no pod without traffic; the first request starts one) up to
    /// the route's `maxScale`; at most `concurrency` requests per pod (Knative aims at 70 % of it
    /// before adding pods). The annotation names are the camelCase ones both Knative and Cloud Run
    /// read. `run.googleapis.com/*` annotations are Cloud Run's (Knative ignores them): extra CPU
    /// while a cold instance starts, and ingress only through the load balancer.
    ///
    /// Every Service is cluster-local: the only way in from outside is the Ingress, which routes
    /// the public prefixes and nothing else (no `/metrics`, no `/healthz`).
    static func knativeService(_ function: String, route: Route, options: Options) -> YAMLNode {
        let metadata: YAMLNode = [
            "name": .string(function), "namespace": .string(options.namespace),
            "labels": [
                "app.kubernetes.io/name": .string(function), "app.kubernetes.io/component": "function",
                "app.kubernetes.io/part-of": "creator-control-room",
                "networking.knative.dev/visibility": "cluster-local",
            ],
            "annotations": ["run.googleapis.com/ingress": "internal-and-cloud-load-balancing"],
        ]
        var container: [(String, YAMLNode)] = [
            ("name", "function"),
            ("image", .string(options.image(function))),
            ("ports", [["name": "http1", "containerPort": 8080]]),
            // `GET /healthz` answers from the runtime once the port is served (after the first Postgres connection).
            ("readinessProbe", ["httpGet": ["path": "/healthz", "port": 8080]]),
            ("securityContext", containerSecurity),
            ("resources", ["requests": ["cpu": "250m", "memory": "64Mi"], "limits": ["memory": "256Mi"]]),
        ]
        if !route.environment.isEmpty { container.append(("env", .list(secretEnvironment(route.environment)))) }
        return [
            "apiVersion": "serving.knative.dev/v1",
            "kind": "Service",
            "metadata": metadata,
            "spec": [
                "template": [
                    "metadata": [
                        "labels": labels(function, component: "function"),
                        "annotations": [
                            "autoscaling.knative.dev/minScale": "0",
                            "autoscaling.knative.dev/maxScale": .string(String(route.maxScale)),
                            "run.googleapis.com/startup-cpu-boost": "true",
                        ],
                    ],
                    "spec": [
                        "containerConcurrency": .int(route.concurrency),
                        "timeoutSeconds": 30,
                        "containers": [.map(container)],
                    ],
                ],
            ],
        ]
    }

    /// The path → function table of the public host, for ingress-nginx. One Ingress per function,
    /// because each needs its own `upstream-vhost`: the Service Knative creates for a function is
    /// an ExternalName to Knative's local gateway, which picks the function by the Host header
    /// `{function}.{namespace}.svc.cluster.local`. ingress-nginx merges the Ingresses of one host
    /// into one server; Kubernetes' path rules (Exact; Prefix on `/` boundaries, longest first)
    /// match the local router's.
    ///
    /// The relay's Ingress routes `/socket.io/` to the relay Service (plain pods, not Knative) with
    /// cookie affinity (Engine.IO's polling transport sends each request of a session to the pod
    /// holding it; WebSocket needs none, ingress-nginx passes the upgrade), an hour of read/send
    /// timeout for idle sockets between heartbeats, no response buffering (long polls), and a body
    /// limit above the relay's 1 MB payload limit.
    static func renderIngress(_ table: RouteTable, options: Options) -> String {
        var items: [(comments: [String], node: YAMLNode)] = []
        for function in table.functions {
            let routes = table.routes.filter { $0.function == function && $0.isPublic }
            guard !routes.isEmpty else { continue }
            let paths = routes.map { route in
                ingressPath(route.prefix, exact: route.exact, service: function, port: 80)
            }
            items.append((comments: [], node: ingress(
                name: "ccr-\(function)", component: "function", paths: paths, options: options,
                annotations: [("nginx.ingress.kubernetes.io/upstream-vhost", .string("\(function).\(options.namespace).svc.cluster.local"))])))
        }
        items.append((comments: ["The socket relay: WebSocket and Engine.IO polling."], node: ingress(
            name: "ccr-socket-relay", component: "relay",
            paths: [ingressPath(relayPath, exact: false, service: "socket-relay", port: 80)], options: options,
            annotations: relayIngressAnnotations)))
        var intro = [
            header(from: "infra/routes.json"),
            "",
            "Every public route of infra/routes.json and the relay's /socket.io/, on one host, through ingress-nginx.",
            "Nothing else is routed: /metrics and /healthz stay inside the cluster. TLS: the Secret \(options.tlsSecret).",
        ]
        intro.append("")
        items[0].comments = intro + items[0].comments
        return YAMLWriter.documents(items)
    }

    /// The relay's public path (Socket.IO's default).
    public static let relayPath = "/socket.io/"

    static let relayIngressAnnotations: [(String, YAMLNode)] = [
        ("nginx.ingress.kubernetes.io/affinity", "cookie"),
        ("nginx.ingress.kubernetes.io/affinity-mode", "persistent"),
        ("nginx.ingress.kubernetes.io/session-cookie-name", "ccr-relay"),
        ("nginx.ingress.kubernetes.io/session-cookie-path", .string(relayPath)),
        ("nginx.ingress.kubernetes.io/session-cookie-samesite", "Strict"),
        ("nginx.ingress.kubernetes.io/session-cookie-secure", "true"),
        ("nginx.ingress.kubernetes.io/session-cookie-change-on-failure", "true"),
        ("nginx.ingress.kubernetes.io/proxy-read-timeout", "3600"),
        ("nginx.ingress.kubernetes.io/proxy-send-timeout", "3600"),
        ("nginx.ingress.kubernetes.io/proxy-buffering", "off"),
        ("nginx.ingress.kubernetes.io/proxy-body-size", "2m"),
    ]

    static func ingressPath(_ path: String, exact: Bool, service: String, port: Int) -> YAMLNode {
        ["path": .string(path), "pathType": .string(exact ? "Exact" : "Prefix"),
         "backend": ["service": ["name": .string(service), "port": ["number": .int(port)]]]]
    }

    static func ingress(name: String, component: String, paths: [YAMLNode], options: Options, annotations: [(String, YAMLNode)]) -> YAMLNode {
        [
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": metadata(name, component: component, options: options, annotations: annotations),
            "spec": [
                "ingressClassName": .string(options.ingressClass),
                "tls": [["hosts": [.string(options.host)], "secretName": .string(options.tlsSecret)]],
                "rules": [["host": .string(options.host), "http": ["paths": .list(paths)]]],
            ],
        ]
    }
}
