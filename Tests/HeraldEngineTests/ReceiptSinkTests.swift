import Foundation
import HeraldConnectors
import HeraldCore
import Testing

@Suite("Receipt sink")
struct ReceiptSinkTests {
    private static func receipt(_ index: Int) -> ProviderReceipt {
        ProviderReceipt(connector: "sim", providerMessageID: "P\(index)", kind: .status(.delivered), occurredAt: Date(), receivedAt: Date())
    }

    @Test("drains in arrival order in batches; requeued receipts come first again; nothing is lost or doubled")
    func order() {
        let sink = ReceiptSink()
        for index in 0..<20_000 { sink.deliver(Self.receipt(index)) }
        var seen: [String] = []
        var round = 0
        while sink.pendingCount > 0 {
            let batch = sink.drain(limit: 700)
            round += 1
            // Every third batch fails to store: its receipts go back to the front, in order.
            if round % 3 == 0 { sink.requeue(batch); continue }
            seen += batch.map(\.receipt.providerMessageID)
            if round == 10 { for index in 20_000..<20_100 { sink.deliver(Self.receipt(index)) } }
        }
        #expect(seen == (0..<20_100).map { "P\($0)" })
        #expect(sink.drain(limit: 10).isEmpty)
    }
}
