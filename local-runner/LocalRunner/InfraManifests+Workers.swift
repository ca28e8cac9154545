extension InfraManifests {
    /// File name → YAML text: the KEDA TriggerAuthentication, per job function a worker Deployment
    /// with its ScaledObject (scale from and to zero), and the CronJobs running `enqueue-job`.
    static func render(_ jobs: JobTable, options: Options) -> [(String, String)] {
        var files: [(String, String)] = [("keda/trigger-authentication.yaml", YAMLWriter.document(triggerAuthentication(options: options), comments: [
            header(from: ""),
            "How KEDA's redis-streams scaler reaches Redis: the same server and user as the workers' REDIS_URL,",
            "from the same Secret (KEDA cannot read a URL, so the Secret also holds its parts; infra/README.md).",
        ]))]
        for job in jobs.jobs {
            let worker = YAMLWriter.documents([
                (comments: [header(from: "infra/jobs.json"), job.description], node: workerDeployment(job, options: options)),
                (comments: [
                    "Scale from zero while the queue's stream holds entries: XLEN counts jobs waiting and jobs in flight (a",
                    "job leaves the stream only when acknowledged, dead-lettered or rescheduled), the same test as the local",
                    "worker supervisor's hasWork. Back to zero after cooldownPeriod without entries. (pendingEntriesCount",
                    "could never leave zero: entries become pending only once a worker reads them.) Due retries are moved",
                    "back into the stream by the schedule's enqueue-job run.",
                ], node: scaledObject(job, options: options)),
            ])
            files.append(("keda/\(job.function).yaml", worker))
            files.append(("cron/\(job.queue).yaml", YAMLWriter.document(cronJob(job, options: options), comments: [
                header(from: "infra/jobs.json"),
                "Enqueues one \(job.queue) job per \(job.intervalSeconds) s slot (idempotent per slot) and promotes due retries.",
            ])))
        }
        return files
    }

    static func triggerAuthentication(options: Options) -> YAMLNode {
        let parameters: [(String, String)] = [("address", "REDIS_ADDRESS"), ("username", "REDIS_USERNAME"), ("password", "REDIS_PASSWORD")]
        return [
            "apiVersion": "keda.sh/v1alpha1",
            "kind": "TriggerAuthentication",
            "metadata": metadata(triggerAuthenticationName, component: "autoscaling", options: options),
            "spec": [
                "secretTargetRef": .list(parameters.map { parameter, key in
                    ["parameter": .string(parameter), "name": .string(secretName), "key": .string(key)]
                }),
            ],
        ]
    }

    /// No `replicas`: KEDA owns the count (an apply would otherwise reset it).
    static func workerDeployment(_ job: ScheduledJob, options: Options) -> YAMLNode {
        [
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": metadata(job.function, component: "worker", options: options),
            "spec": [
                "selector": ["matchLabels": ["app.kubernetes.io/name": .string(job.function)]],
                "template": [
                    "metadata": ["labels": labels(job.function, component: "worker")],
                    "spec": [
                        "automountServiceAccountToken": false,
                        // SIGTERM: the worker finishes the batch in hand, then exits.
                        "terminationGracePeriodSeconds": 60,
                        "securityContext": podSecurity,
                        "containers": [[
                            "name": "worker",
                            "image": .string(options.image(job.function)),
                            "env": .list([["name": "JOB_IDLE_EXIT_SECONDS", "value": "0"]] + secretEnvironment(job.environment)),
                            "securityContext": containerSecurity,
                            "resources": ["requests": ["cpu": "100m", "memory": "64Mi"], "limits": ["memory": "256Mi"]],
                        ]],
                    ],
                ],
            ],
        ]
    }

    static func scaledObject(_ job: ScheduledJob, options: Options) -> YAMLNode {
        [
            "apiVersion": "keda.sh/v1alpha1",
            "kind": "ScaledObject",
            "metadata": metadata(job.function, component: "autoscaling", options: options),
            "spec": [
                "scaleTargetRef": ["name": .string(job.function)],
                "pollingInterval": 15,
                "cooldownPeriod": 60,
                "minReplicaCount": 0,
                "maxReplicaCount": 2,
                "triggers": [[
                    "type": "redis-streams",
                    "metadata": .map([("stream", .string("jobs:\(job.queue)")), ("streamLength", "1"), ("databaseIndex", "0")]
                        + (options.redisTLS ? [("enableTLS", "true")] : [])),
                    "authenticationRef": ["name": .string(triggerAuthenticationName)],
                ]],
            ],
        ]
    }

    static func cronJob(_ job: ScheduledJob, options: Options) -> YAMLNode {
        [
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": metadata("schedule-\(job.queue)", component: "scheduler", options: options),
            "spec": [
                "schedule": .string(cronSchedule(everySeconds: job.intervalSeconds)),
                "timeZone": "Etc/UTC",
                // enqueue-job is idempotent per slot; a run still going when the next is due is not doubled.
                "concurrencyPolicy": "Forbid",
                "startingDeadlineSeconds": 120,
                "successfulJobsHistoryLimit": 1,
                "failedJobsHistoryLimit": 3,
                "jobTemplate": [
                    "spec": [
                        "backoffLimit": 3,
                        "activeDeadlineSeconds": 120,
                        "ttlSecondsAfterFinished": 3_600,
                        "template": [
                            "metadata": ["labels": labels("schedule-\(job.queue)", component: "scheduler")],
                            "spec": [
                                "restartPolicy": "OnFailure",
                                "automountServiceAccountToken": false,
                                "securityContext": podSecurity,
                                "containers": [[
                                    "name": "enqueue",
                                    "image": .string(options.image("enqueue-job")),
                                    "args": [.string(job.queue), "--every", .string(String(job.intervalSeconds))],
                                    "env": .list(secretEnvironment(["REDIS_URL"])),
                                    "securityContext": containerSecurity,
                                    "resources": ["requests": ["cpu": "50m", "memory": "16Mi"], "limits": ["memory": "64Mi"]],
                                ]],
                            ],
                        ],
                    ],
                ],
            ],
        ]
    }
}
