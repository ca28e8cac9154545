extension InfraManifests {
    /// The settings the relay reads from the Secret.
    public static let relayEnvironment = ["REDIS_URL", "DATABASE_URL", "DATABASE_PREPARED_STATEMENTS", "JWT_ISSUER", "JWT_AUDIENCE", "JWT_JWKS_URL"]

    /// The socket relay: a long-lived Deployment (never scaled to zero: it holds the dashboards'
    /// connections; at least one pod through voluntary disruptions), and a Service the Ingress
    /// routes `/socket.io/` to (with cookie affinity there; see `renderIngress`).
    static func renderRelay(options: Options) -> [(String, String)] {
        let pod: YAMLNode = [
            "metadata": [
                "labels": labels("socket-relay", component: "relay"),
                // /metrics is served on the pod port for an in-cluster Prometheus; the Ingress never routes it.
                "annotations": ["prometheus.io/scrape": "true", "prometheus.io/port": .string(String(relayPort)), "prometheus.io/path": "/metrics"],
            ],
            "spec": [
                "automountServiceAccountToken": false,
                // SIGTERM: stop accepting, close sockets with 1001 so clients reconnect to another pod, drain, exit.
                "terminationGracePeriodSeconds": 30,
                "securityContext": podSecurity,
                "containers": [[
                    "name": "relay",
                    "image": .string(options.image("socket-relay")),
                    "ports": [["name": "http", "containerPort": .int(relayPort)]],
                    "readinessProbe": ["httpGet": ["path": "/healthz", "port": "http"], "periodSeconds": 5],
                    "livenessProbe": ["httpGet": ["path": "/healthz", "port": "http"], "periodSeconds": 10, "failureThreshold": 6],
                    "securityContext": containerSecurity,
                    "resources": ["requests": ["cpu": "500m", "memory": "128Mi"], "limits": ["memory": "512Mi"]],
                    "env": .list([["name": "PORT", "value": .string(String(relayPort))]] + secretEnvironment(relayEnvironment)),
                ]],
            ],
        ]
        let deployment: YAMLNode = [
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": metadata("socket-relay", component: "relay", options: options),
            "spec": [
                "replicas": 2,
                "selector": ["matchLabels": ["app.kubernetes.io/name": "socket-relay"]],
                // One new pod before an old one goes: a rollout never drops below two relays.
                "strategy": ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": 0, "maxSurge": 1]],
                "template": pod,
            ],
        ]
        let service: YAMLNode = [
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": metadata("socket-relay", component: "relay", options: options),
            "spec": [
                "type": "ClusterIP",
                "selector": ["app.kubernetes.io/name": "socket-relay"],
                "ports": [["name": "http", "port": 80, "targetPort": "http"]],
            ],
        ]
        let disruptionBudget: YAMLNode = [
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": metadata("socket-relay", component: "relay", options: options),
            "spec": ["minAvailable": 1, "selector": ["matchLabels": ["app.kubernetes.io/name": "socket-relay"]]],
        ]
        return [("relay/socket-relay.yaml", YAMLWriter.documents([
            (comments: [header(from: ""), "The socket relay: Socket.IO for the dashboards, behind the Ingress at \(relayPath)."], node: deployment),
            (comments: ["What the Ingress routes \(relayPath) to (ingress-nginx balances over its endpoints, sticky by cookie)."], node: service),
            (comments: [], node: disruptionBudget),
        ]))]
    }
}
