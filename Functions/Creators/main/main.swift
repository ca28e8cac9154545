import FunctionRuntime
import API
import Creators
import FunctionServer
import Settings

await FunctionMain.serve(name: "creators") { environment, logger in
    let dependencies = try await APIDependencies.load(environment: environment, logger: logger)
    // Linking is optional: without TWITCH_REDIRECT_URL the link routes answer 503.
    let linking = environment.optional("TWITCH_REDIRECT_URL") == nil ? nil : try CreatorLinking.fromEnvironment(environment, logger: logger)
    let routes = CreatorsRoutes(database: dependencies.database, twitch: try HelixUserLookup(environment: environment),
                                linking: linking, redis: dependencies.redis,
                                platforms: try ChannelPlatforms.fromEnvironment(environment, redis: dependencies.redis, logger: logger))
    return APIFunction(routes: routes.routes, dependencies: dependencies)
}
