import CreatorLink
import FunctionRuntime
import FunctionServer

await FunctionMain.serve(name: "creator-link") { environment, logger in
    try CreatorLinkFunction.fromEnvironment(environment, logger: logger)
}
