/// Day of the week; raw values count from Sunday = 0.
public enum Weekday: Int, Sendable, Hashable, CaseIterable {
    case sunday, monday, tuesday, wednesday, thursday, friday, saturday

    public var isWeekend: Bool { self == .saturday || self == .sunday }
}
