public import Settings

extension RedisURL {
    /// `REDIS_URL` (or another variable), with a malformed value reported as a configuration error.
    public static func fromEnvironment(_ environment: Environment, name: String = "REDIS_URL") throws -> RedisURL {
        do {
            return try RedisURL(parsing: try environment.required(name))
        } catch let error as RedisError {
            // The messages already name REDIS_URL; other variables get their own name in front.
            throw ConfigurationError(error.message.hasPrefix(name + " ") ? error.message : "\(name): \(error.message)")
        }
    }
}
