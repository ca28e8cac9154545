import Files
import JSONValue
import LocalRunner
import Router
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The production manifests as an operator would apply them: the committed `infra/**/*.yaml`
/// equal a fresh render (nobody edited them by hand), and every object validates with
/// `infra/validate/validate_manifests.py`: core kinds against the Kubernetes OpenAPI schema
/// (kubernetes-validate, pinned in Tests/requirements.txt), Knative and KEDA objects against the
/// fields their documentation defines, and the cross-references (Secret keys in the documented
/// contract, named objects existing, every public route and the relay routed, `/metrics` not).
/// The validator's self-test proves each rule fires on a manifest broken that way. Also: the
/// Secret table of infra/README.md is the contract in code, and the Containerfile builds every
/// executable and copies every target folder.
@Suite(.serialized) struct ManifestValidationTests {
    static let root = SharedResearch.repositoryRoot()

    static func tables() throws -> (RouteTable, JobTable) {
        let routes = try RouteTable(json: try #require(FileSystem.readText(root + "/infra/routes.json")))
        return (routes, try JobTable.load(root + "/infra/jobs.json"))
    }

    /// Runs a shell command in the repository root; its status and combined output.
    static func run(_ command: String) throws -> (status: Int32, output: String) {
        guard let pipe = popen("cd '\(root)' && \(command) 2>&1", "r") else { throw Prerequisite.Missing(description: "popen failed") }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = fread(&buffer, 1, buffer.count, pipe)
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        let status = pclose(pipe)
        return ((status >> 8) & 0xff, String(decoding: output, as: UTF8.self))
    }

    /// Nil when python3 can import kubernetes-validate and PyYAML; otherwise why not.
    static let pythonMissing: String? = {
        guard let check = try? run("python3 -c 'import kubernetes_validate, yaml, jsonschema, referencing'") else { return "python3 cannot be started" }
        if check.status == 0 { return nil }
        if (try? run("command -v python3"))?.status != 0 { return "python3 is not installed" }
        return "kubernetes-validate is not installed: python3 -m pip install -r Tests/requirements.txt (local-runner/test does this)"
    }()

    /// Writes a render (and the tables it came from) into a fresh folder laid out like infra/.
    static func renderedFolder(_ options: InfraManifests.Options) throws -> String {
        let (routes, jobs) = try Self.tables()
        let directory = try FileSystem.temporaryDirectory(prefix: "ccr-manifests")
        for (name, content) in InfraManifests.renderAll(routes: routes, jobs: jobs, options: options) {
            let path = directory + "/" + name
            if let slash = path.lastIndex(of: "/") { try FileSystem.makeDirectories(String(path[..<slash])) }
            try FileSystem.writeText(content, to: path)
        }
        for table in ["routes.json", "jobs.json"] {
            try FileSystem.writeText(try #require(FileSystem.readText(root + "/infra/" + table)), to: directory + "/" + table)
        }
        return directory
    }

    @Test func committedManifestsEqualAFreshRender() throws {
        let (routes, jobs) = try Self.tables()
        let files = InfraManifests.renderAll(routes: routes, jobs: jobs)
        let names = Set(files.map(\.0))
        #expect(names.count == files.count, "two manifests render to one file name")
        for (name, content) in files {
            #expect(FileSystem.readText(Self.root + "/infra/" + name) == content, "infra/\(name) is stale or edited by hand: run local-runner/run infra render")
        }
        for folder in InfraManifests.generatedFolders {
            for name in (try? FileSystem.list(Self.root + "/infra/" + folder)) ?? [] where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                #expect(names.contains(folder + "/" + name), "infra/\(folder)/\(name) is not generated any more: run local-runner/run infra render")
            }
        }
        // Every function of the route table and every job has its manifest, the relay and the migrate Job theirs.
        for function in routes.functions { #expect(names.contains("knative/\(function).yaml")) }
        for job in jobs.jobs { #expect(names.contains("keda/\(job.function).yaml") && names.contains("cron/\(job.queue).yaml")) }
        #expect(names.isSuperset(of: ["relay/socket-relay.yaml", "migrate/migrate.yaml", "ingress/routes.yaml", "keda/trigger-authentication.yaml",
                                      "cluster/namespace.yaml"]))
    }

    /// infra/README.md documents the Secret: its table is `SecretContract`, row for row.
    @Test func theREADMEsSecretTableIsTheContract() throws {
        let readme = try #require(FileSystem.readText(Self.root + "/infra/README.md"))
        #expect(readme.contains(SecretContract.markdownTable()),
                "infra/README.md's Secret table differs from SecretContract: paste the output of `local-runner/run infra secret-table`")
        let (routes, jobs) = try Self.tables()
        let settings = Set(routes.routes.flatMap(\.environment) + jobs.jobs.flatMap(\.environment) + InfraManifests.relayEnvironment)
        let contract = Set(SecretContract.names)
        #expect(settings.subtracting(contract).isEmpty, "settings outside the Secret contract: \(settings.subtracting(contract).sorted())")
    }

    @Test func everyGeneratedObjectValidates() throws {
        guard try Prerequisite.available(Self.pythonMissing) else { return }
        let directory = try Self.renderedFolder(InfraManifests.Options())
        defer { FileSystem.removeTree(directory) }
        let result = try Self.run("python3 infra/validate/validate_manifests.py --self-test '\(directory)'")
        print(result.output)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("valid: "), "\(result.output)")
        #expect(result.output.contains("broken variants rejected"), "\(result.output)")
    }

    /// An operator's render (own host, namespace, registry, tag) is as valid as the committed one.
    @Test func anOperatorsRenderValidates() throws {
        guard try Prerequisite.available(Self.pythonMissing) else { return }
        let options = InfraManifests.Options(namespace: "agency-noc", host: "noc.agency.example", registry: "europe-docker.pkg.dev/agency/ccr",
                                             tag: "2024-06-01", tlsSecret: "noc-tls", ingressClass: "nginx", redisTLS: true)
        let directory = try Self.renderedFolder(options)
        defer { FileSystem.removeTree(directory) }
        let ingress = try #require(FileSystem.readText(directory + "/ingress/routes.yaml"))
        #expect(ingress.contains("host: noc.agency.example") && ingress.contains("account.agency-noc.svc.cluster.local"))
        #expect(try #require(FileSystem.readText(directory + "/knative/auth.yaml")).contains("image: europe-docker.pkg.dev/agency/ccr/auth:2024-06-01"))
        #expect(try #require(FileSystem.readText(directory + "/keda/event-archive.yaml")).contains("enableTLS: \"true\""))
        let result = try Self.run("python3 infra/validate/validate_manifests.py '\(directory)'")
        #expect(result.status == 0, "\(result.output)")
    }

    /// The validator fails (exit 1, naming the problem) on a file broken by hand, not only on the
    /// in-memory variants of its self-test.
    @Test func aBrokenFileFailsTheValidator() throws {
        guard try Prerequisite.available(Self.pythonMissing) else { return }
        let directory = try Self.renderedFolder(InfraManifests.Options())
        defer { FileSystem.removeTree(directory) }
        let path = directory + "/keda/trigger-authentication.yaml"
        let text = try #require(FileSystem.readText(path))
        try FileSystem.writeText(text.replacing("key: REDIS_PASSWORD", with: "key: REDIS_PASS"), to: path)
        let result = try Self.run("python3 infra/validate/validate_manifests.py '\(directory)'")
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("REDIS_PASS is not in the Secret contract"), "\(result.output)")
    }

    /// The Containerfile builds every shipped executable (one builder, reused for each image) and
    /// copies every folder SwiftPM needs; its runtime stage has the shared libraries the binaries
    /// link, checks them with ldd, and runs as the numeric non-root user the manifests expect.
    @Test func theContainerfileBuildsEveryExecutable() throws {
        let containerfile = try #require(FileSystem.readText(Self.root + "/infra/Containerfile"))
        let manifest = try #require(FileSystem.readText(Self.root + "/Package.swift"))
        let functions = try FileSystem.list(Self.root + "/Functions").filter { FileSystem.kind(Self.root + "/Functions/" + $0) == .directory }
        let executables = Set(functions.map(LayoutTests.kebab))
        let line = try #require(containerfile.split(separator: "\n").first { $0.hasPrefix("ARG EXECUTABLES=") })
        let listed = Set(line.dropFirst("ARG EXECUTABLES=".count).split(whereSeparator: { $0 == " " || $0 == "\"" }).map(String.init))
        #expect(listed == executables, "ARG EXECUTABLES must list every Functions/ executable: missing \(executables.subtracting(listed).sorted()), extra \(listed.subtracting(executables).sorted())")
        for folder in ["Shared", "Functions", "Tests"] {
            #expect(containerfile.contains("COPY \(folder) ./\(folder)"), "the Containerfile must copy \(folder)/")
        }
        // Every local-runner target folder (SwiftPM checks that each target's path exists).
        var rest = Substring(manifest)
        while let range = rest.firstRange(of: "runner(\"") {
            let name = rest[range.upperBound...].prefix { $0 != "\"" }
            #expect(containerfile.contains("COPY local-runner/\(name) ./local-runner/\(name)"), "the Containerfile must copy local-runner/\(name)")
            rest = rest[range.upperBound...]
        }
        #expect(containerfile.contains("--static-swift-stdlib"))
        for package in ["libpq5", "libhiredis0.14", "libssl3", "zlib1g", "libstdc++6", "ca-certificates"] {
            #expect(containerfile.contains(package), "the runtime image must install \(package)")
        }
        #expect(containerfile.contains("ldd "), "the runtime stage must check that every shared library resolves")
        #expect(containerfile.contains("USER 10001:10001"))
    }
}
