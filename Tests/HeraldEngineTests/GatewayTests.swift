import Foundation
import HeraldCore
import HeraldEngine
import HeraldStore
import Testing

@Suite("Accept path")
struct GatewayTests {
    @Test("concurrent sends share transactions, yet every caller gets its own message back, committed")
    func groupCommit() async throws {
        let harness = try await EngineHarness()
        let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<300 {
                group.addTask {
                    let request = SendRequest(channel: "sms", to: "+1415559\(2000 + index)", text: "message \(index)")
                    let accepted = try await harness.gateway.send([request], accountID: harness.account.id).get()
                    return (index, accepted[0].outcome.messageID)
                }
            }
            var results: [Int: String] = [:]
            for try await (index, id) in group { results[index] = id }
            return results
        }
        #expect(Set(results.values).count == 300)
        for (index, id) in results {
            let message = try #require(try await harness.message(id))
            #expect(message.text == "message \(index)")
            #expect(message.to == "+1415559\(2000 + index)")
        }
    }

    @Test("concurrent sends with one idempotency key store one message")
    func idempotentUnderConcurrency() async throws {
        let harness = try await EngineHarness()
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    let request = SendRequest(channel: "sms", to: "+14155552000", text: "once")
                    return try await harness.gateway.send([request], accountID: harness.account.id, idempotencyKey: "k1").get()[0].outcome.messageID
                }
            }
            var ids: Set<String> = []
            for try await id in group { ids.insert(id) }
            return ids
        }
        #expect(ids.count == 1)
        #expect(try await harness.store.statusCounts(accountID: harness.account.id, since: nil)[.queued] == 1)
    }
}
