import Postgres

/// The business clock row that drives every "is it due" decision (DESIGN §2).
public enum BusinessClock {
    public static func today(_ database: PostgresConnection) throws -> String {
        try database.query("SELECT coverpay.business_date()::text AS today")[0].decode("today")
    }

    /// The frozen date, or nil when the clock follows real time.
    public static func frozenDate(_ database: PostgresConnection) throws -> String? {
        try database.query("SELECT frozen_on::text AS frozen FROM coverpay.business_clock")[0].decodeIfPresent("frozen")
    }

    public static func set(_ date: String, _ database: PostgresConnection) throws {
        try database.query("UPDATE coverpay.business_clock SET frozen_on = $1::date, changed_at = now()", [date])
    }

    /// Moves the clock forward; a clock following real time is frozen at today + days.
    public static func advance(days: Int, _ database: PostgresConnection) throws {
        try database.query(
            "UPDATE coverpay.business_clock SET frozen_on = coverpay.business_date() + $1::int, changed_at = now()",
            [days]
        )
    }

    public static func reset(_ database: PostgresConnection) throws {
        try database.query("UPDATE coverpay.business_clock SET frozen_on = NULL, changed_at = now()")
    }
}
