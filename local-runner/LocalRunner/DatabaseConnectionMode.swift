/// How a benchmark's functions reach the embedded Postgres, printed with its shape so a number is
/// never read without it.
public enum DatabaseConnectionMode {
    public static func describe(tls: Bool) -> String {
        tls ? "database connections: TLS (sslmode=require)" : "database connections: plain TCP on loopback (--database-tls for TLS)"
    }
}
