import Foundation
import HeraldCore
import HeraldStore
import Testing

@Suite("Store contract: suppressions")
struct StoreSuppressionTests {
    @Test("add is idempotent, lookups find a batch's recipients, removal by sender or all", arguments: StoreFixtures.backends)
    func suppressions(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            let stop = Suppression(accountID: account.id, channel: .sms, recipient: "+447911123456", sender: "Herald", source: "inbound:in_1", createdAt: now)
            try await store.addSuppression(stop)
            try await store.addSuppression(stop)
            try await store.addSuppression(Suppression(accountID: account.id, channel: .sms, recipient: "+447911123457", source: "api", createdAt: now))
            #expect(try await store.suppressions(accountID: account.id, recipient: nil, limit: 10).count == 2)
            let found = try await store.suppressions(accountID: account.id, channel: .sms, recipients: ["+447911123456", "+15550000000"])
            #expect(found.map(\.recipient) == ["+447911123456"])
            #expect(found[0].blocks(sender: "Herald") && !found[0].blocks(sender: "Other") && found[0].blocks(sender: nil))
            #expect(try await store.suppressions(accountID: account.id, channel: .email, recipients: ["+447911123456"]).isEmpty)
            #expect(try await store.removeSuppressions(accountID: account.id, channel: .sms, recipient: "+447911123456", sender: "Other") == 0)
            #expect(try await store.removeSuppressions(accountID: account.id, channel: .sms, recipient: "+447911123456", sender: "Herald") == 1)
            #expect(try await store.removeSuppressions(accountID: account.id, channel: .sms, recipient: "+447911123457", sender: nil) == 1)
            #expect(try await store.suppressions(accountID: account.id, recipient: nil, limit: 10).isEmpty)
        }
    }
}
