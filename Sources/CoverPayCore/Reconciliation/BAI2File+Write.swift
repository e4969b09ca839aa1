extension BAI2File {
    /// The file's text, one physical record per logical record (no 88 continuations), each ended
    /// by "/" and a newline; variable-length records (physical record length and block size blank).
    public func render() -> String {
        var lines = ["01,\(sender),\(receiver),\(BAI2Field.date(createdOn)),\(createdAt),\(fileID),,,2/"]
        var fileRecords = 1
        for group in groups {
            var groupRecords = 1
            lines.append("02,\(group.ultimateReceiver),\(group.originator),\(group.status),\(BAI2Field.date(group.asOfDate)),,\(group.currency),2/")
            for account in group.accounts {
                let summaries = account.summaries.map { ",\($0.typeCode),\($0.amount.map(BAI2Field.amount) ?? ""),\($0.itemCount.map(String.init) ?? ""),Z" }
                lines.append("03,\(account.accountNumber),\(account.currency)\(summaries.joined())/")
                for transaction in account.transactions {
                    lines.append(
                        "16,\(transaction.typeCode),\(BAI2Field.amount(transaction.amount)),\(transaction.fundsType),"
                            + "\(transaction.bankReference),\(transaction.customerReference),\(transaction.text)/"
                    )
                }
                let accountRecords = 2 + account.transactions.count
                lines.append("49,\(BAI2Field.amount(account.controlTotal)),\(accountRecords)/")
                groupRecords += accountRecords
            }
            groupRecords += 1
            lines.append("98,\(BAI2Field.amount(group.controlTotal)),\(group.accounts.count),\(groupRecords)/")
            fileRecords += groupRecords
        }
        fileRecords += 1
        lines.append("99,\(BAI2Field.amount(controlTotal)),\(groups.count),\(fileRecords)/")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// BAI2 field formats: amounts are signed whole cents without a decimal point, dates YYMMDD.
enum BAI2Field {
    static func amount(_ money: Money) -> String { String(money.cents) }

    static func date(_ date: CalendarDate) -> String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return two(date.year % 100) + two(date.month) + two(date.day)
    }
}
