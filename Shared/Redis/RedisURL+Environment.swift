public import Settings

extension RedisURL {
    /// `REDIS_URL` (or another variable), with a malformed value reported as a configuration error.
    public static func fromEnvironment(_ environment: Environment, name: String = "REDIS_URL") throws -> RedisURL {
        do {
            return try RedisURL(parsing: try environment.required(name))
        } catch let error as RedisError {
            throw ConfigurationError("\(name): \(error.message)")
        }
    }
}
