/// A weighted split of traffic between processors. The pick hashes the installment id with
/// FNV-1a (not Swift's `Hasher`, which is seeded per process) so that every replica, and every
/// redelivery, chooses the same processor for the same installment.
public struct ProcessorSplit: Sendable, Hashable {
    public struct Share: Sendable, Hashable {
        public var processor: String
        public var weight: Int

        public init(processor: String, weight: Int) {
            self.processor = processor
            self.weight = weight
        }
    }

    /// Non-empty, every weight positive (checked when the table is loaded).
    public var shares: [Share]

    public init(shares: [Share]) {
        self.shares = shares
    }

    public func processor(for installmentID: String) -> String {
        let totalWeight = UInt64(shares.reduce(0) { $0 + $1.weight })
        var point = ProcessorSplit.fnv1a(installmentID) % totalWeight
        for share in shares {
            if point < UInt64(share.weight) { return share.processor }
            point -= UInt64(share.weight)
        }
        return shares[shares.count - 1].processor
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
