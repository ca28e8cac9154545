import API
import FunctionRuntime
import FunctionServer
import Notifications
import Settings

await FunctionMain.serve(name: "notifications") { environment, logger in
    let dependencies = try await APIDependencies.load(environment: environment, logger: logger)
    return APIFunction(routes: try NotificationsRoutes.fromEnvironment(environment, dependencies: dependencies).routes, dependencies: dependencies)
}
