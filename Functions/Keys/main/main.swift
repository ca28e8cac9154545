import FunctionRuntime
import API
import FunctionServer
import Keys

await FunctionMain.serve(name: "keys") { environment, logger in
    let dependencies = try await APIDependencies.load(environment: environment, logger: logger)
    return APIFunction(routes: KeysRoutes(database: dependencies.database).routes, dependencies: dependencies)
}
