import FunctionRuntime
import JobQueue
import SubscriptionRenewal

await JobMain.run(name: "subscription-renewal") { environment, logger in
    SubscriptionRenewalJob(renewer: try SubscriptionRenewer.fromEnvironment(environment, logger: logger))
}
