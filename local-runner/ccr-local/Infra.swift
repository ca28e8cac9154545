import Files
import ArgumentParser
import JobQueue
import Redis
import AccessTokens
import BlockingIO
import Logging
import LocalRunner
import Router
import Settings
import StructuredLogging
#if canImport(Glibc)
import Glibc
#endif

struct Infra: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Production manifests.", subcommands: [Render.self])

    struct Render: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Generate infra/knative/*.yaml from the route table.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Output folder.") var output = "infra"

        func run() async throws {
            try await reportingErrors {
                guard let text = FileSystem.readText(absolute(common.routes)) else {
                    throw OperatorCommands.Failure(description: "cannot read \(common.routes)")
                }
                let files = InfraManifests.render(try RouteTable(json: text)) + InfraManifests.render(try JobTable.load(absolute(common.jobs)))
                    + InfraManifests.renderRelay()
                for (name, content) in files {
                    let path = absolute(output) + "/" + name
                    if let slash = path.lastIndex(of: "/") { try FileSystem.makeDirectories(String(path[..<slash])) }
                    try FileSystem.writeText(content, to: path)
                    print("wrote \(output)/\(name)")
                }
            }
        }
    }
}
