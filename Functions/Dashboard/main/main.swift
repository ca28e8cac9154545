import Dashboard
import FunctionRuntime
import FunctionServer

await FunctionMain.serve(name: "dashboard") { environment, _ in
    try DashboardFunction(environment: environment)
}
