import Testing

/// Array parameters (`Array: PostgresEncodable`) reach PostgreSQL element by element, whatever the
/// elements hold.
@Suite("PostgreSQL array parameters")
struct PostgresArrayParameterTests {
    @Test("text elements holding commas, quotes, braces and backslashes stay whole")
    func textElements() throws {
        let values = ["a,b", "say \"hi\"", "{x}", "back\\slash", ""]
        #expect(try LiveServices.count("SELECT cardinality($1::text[]) AS n", [values]) == values.count)
        #expect(try LiveServices.database().query("SELECT ($1::text[])[2] AS second", [values])[0].decode("second", as: String.self) == values[1])
    }

    @Test("integer elements as int[] and bigint[], and an empty array")
    func integerElements() throws {
        #expect(try LiveServices.count("SELECT sum(x)::int AS n FROM unnest($1::int[]) x", [[1, 2, 39]]) == 42)
        #expect(try LiveServices.count("SELECT sum(x)::int AS n FROM unnest($1::bigint[]) x", [[Int64(40), 2]]) == 42)
        #expect(try LiveServices.count("SELECT cardinality($1::bigint[]) AS n", [[Int64]()]) == 0)
    }
}
