import Foundation
import HeraldCore
import HeraldStore
import Testing

@Suite("Store contract: provider requests kept raw")
struct StoreProviderWebhookTests {
    @Test("requests are kept exactly (a missing query or content type stays missing, bytes as they came); a copy changes nothing; with receipts, in their transaction",
          arguments: StoreFixtures.backends)
    func keptRaw(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let at = Date(timeIntervalSince1970: 1_796_000_000)
            let form = ProviderWebhookRecord(id: HeraldID.make(.providerWebhook, at: at), connector: "tw", kind: "status", receivedAt: at, method: "POST",
                                             query: nil, contentType: "application/x-www-form-urlencoded", body: Data("MessageSid=SM1&MessageStatus=delivered".utf8))
            let get = ProviderWebhookRecord(id: HeraldID.make(.providerWebhook, at: at.addingTimeInterval(1)), connector: "tw", kind: "status",
                                            receivedAt: at.addingTimeInterval(1), method: "GET", query: "", contentType: nil, body: Data([0, 0xFF, 0x80]))
            try await store.recordProviderWebhooks([form, get])
            try await store.recordProviderWebhooks([form])
            #expect(try await store.providerWebhooks(connector: "tw", limit: 10) == [get, form])
            // Kept with receipts that match nothing: the request is there, the receipt parked.
            let third = ProviderWebhookRecord(id: HeraldID.make(.providerWebhook, at: at.addingTimeInterval(2)), connector: "tw", kind: "status",
                                              receivedAt: at.addingTimeInterval(2), method: "POST", query: "a=1", contentType: "application/json", body: Data("{}".utf8))
            let receipt = ProviderReceipt(connector: "tw", providerMessageID: "SM-NONE", kind: .status(.delivered), occurredAt: at, receivedAt: at)
            guard case .parked = try await store.ingest([receipt], evidence: [third], retry: .none).first else { Issue.record("not parked"); return }
            #expect(try await store.providerWebhooks(connector: "tw", limit: 10).first == third)
        }
    }
}
