import ArgumentParser

/// `local-runner/run [COMMAND]`: runs the whole system on one machine, and the operator commands.
@main
struct RunnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local-runner/run",
        abstract: "Run Creator Control Room locally: embedded Postgres and Redis, migrations, the router and its functions.",
        subcommands: [Up.self, Status.self, Env.self, Company.self, Creator.self, Token.self, Jobs.self, Bench.self, Infra.self, WithServices.self, ServeRouter.self, ServeWorker.self],
        defaultSubcommand: Up.self)
}
