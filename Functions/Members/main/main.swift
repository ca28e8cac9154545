import FunctionRuntime
import API
import FunctionServer
import Members

await FunctionMain.serve(name: "members") { environment, logger in
    let dependencies = try await APIDependencies.load(environment: environment, logger: logger)
    return APIFunction(routes: MembersRoutes(database: dependencies.database).routes + InvitationsRoutes(database: dependencies.database).routes,
                       dependencies: dependencies)
}
