public import Logging
public import Settings

extension PostgresPool {
    /// The pool every function opens: `DATABASE_URL` (the app role), `DATABASE_POOL_SIZE`
    /// (default `defaultSize`, at most `maximumSize`), and `DATABASE_PREPARED_STATEMENTS`
    /// (checked here; see `PostgresConnection.preparesStatementsByDefault`).
    ///
    /// `session: true` is for code that holds session state across transactions (advisory locks:
    /// ingest's stream locks, the archive's per-company lock): it connects to
    /// `DATABASE_SESSION_URL` when set. Behind a pooler in transaction mode (PgBouncer,
    /// RDS Proxy) that must be a session-mode pool or the database itself; without a pooler leave
    /// it unset (the same URL serves both).
    ///
    /// `pipelining`: the function's default for `DATABASE_PIPELINING` (which overrides it). The
    /// REST functions pass true (`APIDependencies.pipelinesDatabase`); ingest measured 10–15 %
    /// slower pipelined and the rest does too little for it to matter, so the default is false.
    public static func fromEnvironment(_ environment: Environment, defaultSize: Int, minimumSize: Int = 1, maximumSize: Int = 64,
                                       session: Bool = false, pipelining: Bool = false, logger: Logger) throws -> PostgresPool {
        let appURL = try environment.required("DATABASE_URL")
        let url = session ? environment.optional("DATABASE_SESSION_URL") ?? appURL : appURL
        let prepares = try environment.bool("DATABASE_PREPARED_STATEMENTS", default: true)
        let pipelines = try environment.bool("DATABASE_PIPELINING", default: pipelining)
        let size = try environment.int("DATABASE_POOL_SIZE", default: defaultSize, range: minimumSize...maximumSize)
        return PostgresPool(url: url, size: size, preparesStatements: prepares, pipelines: pipelines, logger: logger)
    }
}
