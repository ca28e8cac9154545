import API
import CreatorsFunction
import FunctionRuntime

await FunctionMain.serve(name: "api-creators") { environment, logger in
    let dependencies = try await APIDependencies.load(environment: environment, logger: logger)
    return APIFunction(routes: CreatorsRoutes(database: dependencies.database, twitch: try HelixUserLookup(environment: environment)).routes,
                       verifier: dependencies.verifier, rateLimiter: dependencies.rateLimiter)
}
