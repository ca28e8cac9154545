import FunctionRuntime
import API
import Events
import FunctionServer

await FunctionMain.serve(name: "events") { environment, logger in
    let dependencies = try await APIDependencies.load(environment: environment, logger: logger)
    let archives = try ArchivesRoutes(database: dependencies.database, environment: environment)
    return APIFunction(routes: EventsRoutes(database: dependencies.database).routes + archives.routes,
                       dependencies: dependencies)
}
