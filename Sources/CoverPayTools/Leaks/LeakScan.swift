import CoverPayCore
import Foundation

/// The leak scan (docs/security.md): every piece of text of a `TextCorpus` through a
/// `LeakDetector`. A finding names where (column and row, queue and message, file and line) and
/// the number masked to its last four digits, so the report is itself safe to keep.
public struct LeakScan {
    let corpus: TextCorpus
    let detector: LeakDetector

    public init(corpus: TextCorpus, detector: LeakDetector) {
        self.corpus = corpus
        self.detector = detector
    }

    public func run() throws -> LeakReport {
        var findings: [LeakReport.Finding] = []
        let counts = try corpus.visit { location, text in
            for finding in detector.findings(in: text) {
                findings.append(LeakReport.Finding(location: location, kind: finding.kind, masked: finding.masked))
            }
        }
        return LeakReport(counts: counts, findings: findings)
    }
}

public struct LeakReport: Sendable {
    public struct Finding: Sendable {
        public let location: TextCorpus.Location
        public let kind: LeakDetector.Kind
        public let masked: String
    }

    public let counts: TextCorpus.Counts
    public let findings: [Finding]

    public var passed: Bool { findings.isEmpty }

    public var summary: String {
        "scanned \(counts.columns) columns (\(counts.rows) values), \(counts.deadLetters) dead letters, "
            + "\(counts.logFiles) logs (\(counts.logLines) lines), \(counts.bankFiles) bank files"
    }

    public var json: JSONValue {
        func number(_ value: Int) -> JSONValue { .number(String(value)) }
        return .object([
            "passed": .bool(passed),
            "scanned": .object([
                "columns": number(counts.columns), "values": number(counts.rows), "dead_letters": number(counts.deadLetters),
                "log_files": number(counts.logFiles), "log_lines": number(counts.logLines), "bank_files": number(counts.bankFiles),
            ]),
            "findings": .array(findings.map { finding in
                .object([
                    "source": .string(finding.location.source), "at": .string(finding.location.detail),
                    "kind": .string(finding.kind.rawValue), "masked": .string(finding.masked),
                ])
            }),
        ])
    }
}
