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
    static let configuration = CommandConfiguration(abstract: "Production manifests (Kubernetes: Knative, KEDA, ingress-nginx).", subcommands: [Render.self, SecretTable.self])

    struct Render: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate the production manifests (infra/{cluster,migrate,knative,ingress,relay,keda,cron}/*.yaml) from the route and job tables.",
            discussion: """
                The committed infra/ files use the defaults. For a cluster, render a copy with its own values \
                (--output DIR --host dash.agency.com --namespace ccr --registry europe-docker.pkg.dev/p/ccr --tag 2024-06-01) \
                and apply that (infra/README.md).
                """)
        @OptionGroup var common: CommonOptions
        @Option(help: "Output folder.") var output = "infra"
        @Option(help: "Kubernetes namespace of every object.") var namespace = InfraManifests.Options().namespace
        @Option(help: "The public host name (Ingress, TLS).") var host = InfraManifests.Options().host
        @Option(help: "Image repository prefix: images are REGISTRY/FUNCTION:TAG.") var registry = InfraManifests.Options().registry
        @Option(help: "Image tag (or pin digests after rendering).") var tag = InfraManifests.Options().tag
        @Option(help: "The kubernetes.io/tls Secret with the host's certificate.") var tlsSecret = InfraManifests.Options().tlsSecret
        @Option(help: "The IngressClass (ingress-nginx).") var ingressClass = InfraManifests.Options().ingressClass
        @Flag(help: "Redis accepts only TLS: KEDA's scaler connects with TLS (the functions use the stunnel sidecar).") var redisTLS = false

        func run() async throws {
            try await reportingErrors {
                guard let text = FileSystem.readText(absolute(common.routes)) else {
                    throw OperatorCommands.Failure(description: "cannot read \(common.routes)")
                }
                let options = InfraManifests.Options(namespace: namespace, host: host, registry: registry, tag: tag, tlsSecret: tlsSecret,
                                                     ingressClass: ingressClass, redisTLS: redisTLS)
                let files = InfraManifests.renderAll(routes: try RouteTable(json: text), jobs: try JobTable.load(absolute(common.jobs)), options: options)
                let written = Set(files.map(\.0))
                for (name, content) in files {
                    let path = absolute(output) + "/" + name
                    if let slash = path.lastIndex(of: "/") { try FileSystem.makeDirectories(String(path[..<slash])) }
                    try FileSystem.writeText(content, to: path)
                    print("wrote \(output)/\(name)")
                }
                // A YAML file left in a generated folder (a function or job since removed) is stale.
                for folder in InfraManifests.generatedFolders {
                    for name in (try? FileSystem.list(absolute(output) + "/" + folder)) ?? [] where name.hasSuffix(".yaml") && !written.contains(folder + "/" + name) {
                        FileSystem.remove(absolute(output) + "/" + folder + "/" + name)
                        print("removed \(output)/\(folder)/\(name)")
                    }
                }
            }
        }
    }

    struct SecretTable: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "secret-table",
            abstract: "Print the keys of the ccr-secrets Secret as the Markdown table of infra/README.md (SecretContract).")

        func run() {
            print(SecretContract.markdownTable(), terminator: "")
        }
    }
}
