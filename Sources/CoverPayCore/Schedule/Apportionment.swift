/// Splits an amount of cents into shares, exactly (the shares always sum to the amount).
///
/// - Modal: each share is `floor(|A| / n)`; the `|A| mod n` leftover cents go one each to the
///   earliest shares; the sign is applied after.
/// - Weighted (daily): share k is `floor(|A| × w_k / W)`; the leftover cents go one each to the
///   shares with the largest remainders, ties to the earlier share; the sign is applied after.
///
/// Shares are written into caller-owned buffers (the engine keeps them on the stack), so splitting
/// allocates nothing.
enum Apportionment {
    /// Daily weights (all > 0) and their sum `W`.
    struct Weights {
        let values: UnsafeBufferPointer<Int64>
        let total: UInt64
        /// `ceil(2^64 / W)` when 2 ≤ W < 2^16 (every term shorter than 179 years), else 0: then
        /// `n / W` and `n % W` for `n < 2^32` are two multiplications instead of a division
        /// (Lemire, Kaser & Kurz, "Faster remainder by direct computation", 2019).
        let reciprocal: UInt64

        init(values: UnsafeBufferPointer<Int64>, total: UInt64) {
            self.values = values
            self.total = total
            reciprocal = (2..<(1 << 16)).contains(total) ? UInt64.max / total + 1 : 0
        }
    }

    /// Fills `shares` (one per weight) with the weighted split of `amount`, or the modal split
    /// when `weights` is nil.
    @inline(__always)
    static func split(_ amount: Int64, weights: Weights?, into shares: UnsafeMutableBufferPointer<Int64>) {
        if let weights {
            weighted(amount, weights: weights, into: shares)
        } else {
            modal(amount, into: shares)
        }
    }

    static func modal(_ amount: Int64, into shares: UnsafeMutableBufferPointer<Int64>) {
        let count = shares.count
        let magnitude = amount.magnitude
        let base = magnitude / UInt64(count)
        let leftover = Int(magnitude % UInt64(count))
        let sign: Int64 = amount < 0 ? -1 : 1
        for index in 0..<count {
            shares[index] = sign * Int64(base + (index < leftover ? 1 : 0))
        }
    }

    static func weighted(_ amount: Int64, weights: Weights, into shares: UnsafeMutableBufferPointer<Int64>) {
        let count = weights.values.count
        let magnitude = amount.magnitude
        let total = weights.total
        // |A| × w = (Q × W + R) × w, so floor(|A| × w / W) = Q × w + floor(R × w / W) with the
        // same remainder: the division is of R × w < W², which needs no 128 bits for the day
        // counts of a term (W < 2^32), and none at all with the reciprocal (W < 2^16).
        let (quotient, rest) = magnitude.quotientAndRemainder(dividingBy: total)
        var distributed: UInt64 = 0
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: count) { remainders in
            for index in 0..<count {
                let weight = UInt64(weights.values[index])
                let extra: UInt64, remainder: UInt64
                if weights.reciprocal != 0 {
                    let product = rest * weight
                    extra = weights.reciprocal.multipliedFullWidth(by: product).high
                    remainder = (weights.reciprocal &* product).multipliedFullWidth(by: total).high
                } else {
                    (extra, remainder) = divide(rest, times: weight, by: total)
                }
                let share = quotient * weight + extra
                shares[index] = Int64(share)
                distributed += share
                remainders.initializeElement(at: index, to: remainder)
            }
            let leftover = Int(magnitude - distributed)
            if leftover > 0 {
                addLeftover(leftover, byRemainders: UnsafeBufferPointer(remainders), total: total, to: shares)
            }
        }
        if amount < 0 {
            for index in 0..<count { shares[index] = -shares[index] }
        }
    }

    /// One cent each to the `leftover` shares with the largest remainders (all < `total`), ties
    /// to the earlier share.
    private static func addLeftover(
        _ leftover: Int, byRemainders remainders: UnsafeBufferPointer<UInt64>, total: UInt64,
        to shares: UnsafeMutableBufferPointer<Int64>
    ) {
        let count = remainders.count
        guard count <= 64, total <= UInt64(UInt32.max) else {
            // Long terms: sort. (Never for a term of a few years.)
            let order = remainders.indices.sorted { remainders[$0] != remainders[$1] ? remainders[$0] > remainders[$1] : $0 < $1 }
            for index in order.prefix(leftover) { shares[index] += 1 }
            return
        }
        // A term's installments. Each share is ranked by one word, its remainder above the
        // complement of its index, so keys are distinct and a tie favours the earlier share. The
        // smaller side is selected: the `leftover` highest keys, or the others as the lowest
        // (the highest of the complemented keys), kept in a short list sorted high to low.
        let invert = leftover > count - leftover
        let kept = invert ? count - leftover : leftover
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: kept) { list in
            var filled = 0
            for index in 0..<count {
                let rank = remainders[index] << 32 | UInt64(UInt32.max - UInt32(index))
                let key = invert ? ~rank : rank
                guard filled < kept || key > list[kept - 1] else { continue }
                var slot = filled < kept ? filled : kept - 1
                if filled < kept { filled += 1 }
                while slot > 0, list[slot - 1] < key {
                    list[slot] = list[slot - 1]
                    slot -= 1
                }
                list[slot] = key
            }
            if invert {
                for index in 0..<count { shares[index] += 1 }
            }
            for slot in 0..<kept {
                let rank = invert ? ~list[slot] : list[slot]
                shares[Int(UInt32.max - UInt32(truncatingIfNeeded: rank))] += invert ? -1 : 1
            }
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
