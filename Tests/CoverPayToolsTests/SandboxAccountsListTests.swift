@testable import CoverPayTools
import Foundation
import Testing

/// `Tests/sandbox-accounts.txt` is what the leak scan looks for: it must hold every full bank
/// account number the tests, the Python peers and the chaos book give the fleet.
@Suite("Sandbox accounts list")
struct SandboxAccountsListTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func listed() throws -> Set<String> {
        let text = try String(contentsOf: root.appendingPathComponent("Tests/sandbox-accounts.txt"), encoding: .utf8)
        return Set(text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty })
    }

    @Test("every account number literal of the tests is listed")
    func testLiteralsAreListed() throws {
        let listed = try Self.listed()
        let pattern = try NSRegularExpression(pattern: #"(?:account: |"account_number": ?(?:\.string\()?)"([0-9]{7,17})""#)
        var found: Set<String> = []
        for folder in ["Tests", "tests/python"] {
            let enumerator = FileManager.default.enumerator(atPath: Self.root.appendingPathComponent(folder).path)
            while let path = enumerator?.nextObject() as? String {
                guard path.hasSuffix(".swift") || path.hasSuffix(".py") else { continue }
                let text = try String(contentsOf: Self.root.appendingPathComponent(folder).appendingPathComponent(path), encoding: .utf8)
                for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    found.insert(String(text[Range(match.range(at: 1), in: text)!]))
                }
            }
        }
        #expect(found.count >= 10, "the pattern no longer finds the tests' accounts: \(found.sorted())")
        #expect(found.subtracting(listed).isEmpty, "not in Tests/sandbox-accounts.txt: \(found.subtracting(listed).sorted())")
    }

    @Test("the chaos book's accounts are listed")
    func chaosAccountsAreListed() throws {
        #expect(Set(SandboxBook.defaultACHAccounts).subtracting(try Self.listed()).isEmpty)
    }
}
