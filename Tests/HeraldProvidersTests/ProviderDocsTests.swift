import Foundation
import HeraldProviders
import Testing

/// The mapping tables users read are the ones Herald applies: every code of each provider's table is in its
/// docs/integrations page, in a row with the reason it maps to.
@Suite struct ProviderDocsTests {
    static func page(_ name: String) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("docs/integrations/\(name).md"), encoding: .utf8)
    }

    static func row(_ page: String, code: String) -> String? {
        page.split(separator: "\n").first { $0.hasPrefix("| \(code) |") }.map(String.init)
    }

    @Test func twilioTableIsTheCodeTable() throws {
        let page = try Self.page("twilio")
        for (code, entry) in TwilioCodes.errors {
            let row = try #require(Self.row(page, code: String(code)), "code \(code) is not in docs/integrations/twilio.md")
            #expect(row.contains(entry.reason.rawValue), "\(row)")
        }
    }

    @Test func vonageTablesAreTheCodeTables() throws {
        let page = try Self.page("vonage")
        for (code, entry) in VonageCodes.receiptErrors {
            let row = try #require(Self.row(page, code: code), "err-code \(code) is not in docs/integrations/vonage.md")
            #expect(row.contains(entry.reason.rawValue), "\(row)")
        }
        for (code, _) in VonageCodes.submitStatuses {
            #expect(page.contains("| \(code) | "), "status \(code) is not in docs/integrations/vonage.md")
        }
    }

    @Test func whatsAppTableIsTheCodeTable() throws {
        let page = try Self.page("whatsapp")
        for (code, entry) in WhatsAppCodes.errors {
            let row = try #require(Self.row(page, code: String(code)), "code \(code) is not in docs/integrations/whatsapp.md")
            #expect(row.contains(entry.reason.rawValue), "\(row)")
        }
    }
}
