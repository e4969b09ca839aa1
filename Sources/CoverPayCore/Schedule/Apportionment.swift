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
                // 128-bit product: |A| × days never overflows.
                let product = magnitude.multipliedFullWidth(by: UInt64(weight))
                let (quotient, remainder) = totalWeight.dividingFullWidth(product)
                shares.append(Int64(quotient))
                distributed += quotient
                remainders[index] = (remainder, index)
            }
            let leftover = Int(magnitude - distributed)
            if leftover > 0 {
                remainders.sort { $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.index < $1.index }
                for rank in 0..<leftover { shares[first + remainders[rank].index] += 1 }
            }
        }
        if amount < 0 {
            for index in first..<shares.count { shares[index] = -shares[index] }
        }
    }
}
