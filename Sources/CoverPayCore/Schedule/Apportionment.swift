/// Splits an amount of cents into shares, exactly (the shares always sum to the amount).
///
/// - Modal: each share is `floor(|A| / n)`; the `|A| mod n` leftover cents go one each to the
///   earliest shares; the sign is applied after.
/// - Weighted (daily): share k is `floor(|A| × w_k / W)`; the leftover cents go one each to the
///   shares with the largest remainders, ties to the earlier share; the sign is applied after.
enum Apportionment {
    /// Appends `count` modal shares of `amount` to `shares`.
    static func appendModal(_ amount: Int64, count: Int, to shares: inout [Int64]) {
        let magnitude = amount.magnitude
        let base = magnitude / UInt64(count)
        let leftover = Int(magnitude % UInt64(count))
        let sign: Int64 = amount < 0 ? -1 : 1
        for index in 0..<count {
            shares.append(sign * Int64(base + (index < leftover ? 1 : 0)))
        }
    }

    /// Appends one share per weight (all weights > 0) of `amount` to `shares`.
    static func appendWeighted(_ amount: Int64, weights: [Int64], to shares: inout [Int64]) {
        let first = shares.count
        let magnitude = amount.magnitude
        let totalWeight = UInt64(weights.reduce(0, +))
        var distributed: UInt64 = 0
        withUnsafeTemporaryAllocation(of: (remainder: UInt64, index: Int).self, capacity: weights.count) { buffer in
            var remainders = buffer
            for (index, weight) in weights.enumerated() {
                let (quotient, remainder) = Self.divide(magnitude, times: UInt64(weight), by: totalWeight)
                shares.append(Int64(quotient))
                distributed += quotient
                remainders[index] = (remainder, index)
            }
            let leftover = Int(magnitude - distributed)
            if leftover > 0 {
                sortByLargestRemainder(&remainders)
                for rank in 0..<leftover { shares[first + remainders[rank].index] += 1 }
            }
        }
        if amount < 0 {
            for index in first..<shares.count { shares[index] = -shares[index] }
        }
    }

    /// Largest remainder first, ties to the earlier index. An insertion sort: the lists are a
    /// term's installments, short, and this runs for every item and component.
    private static func sortByLargestRemainder(_ list: inout UnsafeMutableBufferPointer<(remainder: UInt64, index: Int)>) {
        for position in 1..<max(list.count, 1) {
            let element = list[position]
            var slot = position
            // Entries before `position` have smaller indices, so a tie never moves past them.
            while slot > 0, list[slot - 1].remainder < element.remainder {
                list[slot] = list[slot - 1]
                slot -= 1
            }
            list[slot] = element
        }
    }

    /// `a × b / divisor` with its remainder; 128-bit only when the product needs it.
    @inline(__always)
    private static func divide(_ a: UInt64, times b: UInt64, by divisor: UInt64) -> (quotient: UInt64, remainder: UInt64) {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        if !overflow { return product.quotientAndRemainder(dividingBy: divisor) }
        return divisor.dividingFullWidth(a.multipliedFullWidth(by: b))
    }
}
