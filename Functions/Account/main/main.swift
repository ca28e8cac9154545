import FunctionRuntime
import API
import Account
import FunctionServer

await FunctionMain.serve(name: "account") { environment, logger in
    let dependencies = try await APIDependencies.load(environment: environment, logger: logger)
    let logos = try ObjectStoreLogoUploads(environment: environment)
    return APIFunction(
        routes: AccountRoutes(database: dependencies.database, logos: logos).routes,
        dependencies: dependencies,
        publicRoutes: ["/api/openapi.json": { _ in FunctionResponse(status: 200, headers: [("content-type", "application/json")],
                                                                     body: Array(OpenAPIDocument.json.utf8)) }])
}
