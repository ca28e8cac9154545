import FunctionRuntime
import API
import Creators
import FunctionServer

await FunctionMain.serve(name: "creators") { environment, logger in
    let dependencies = try await APIDependencies.load(environment: environment, logger: logger)
    return APIFunction(routes: CreatorsRoutes(database: dependencies.database, twitch: try HelixUserLookup(environment: environment)).routes,
                       dependencies: dependencies)
}
