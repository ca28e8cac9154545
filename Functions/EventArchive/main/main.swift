import FunctionRuntime
import EventArchive
import JobQueue

await JobMain.run(name: "event-archive") { environment, logger in
    EventArchiveJob(archiver: try EventArchiver.fromEnvironment(environment, logger: logger))
}
