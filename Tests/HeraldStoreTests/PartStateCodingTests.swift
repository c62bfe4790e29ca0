import Foundation
import HeraldCore
import HeraldStore
import Testing

@Suite("Part state coding")
struct PartStateCodingTests {
    @Test("part states survive the row encoding exactly, including the evidence time's bits")
    func roundTrip() throws {
        var first = PartState.initial
        first.apply(StatusEvent(id: "evt_a", messageID: "m", part: 0, kind: .status(.accepted), source: .connector,
                                occurredAt: Date(timeIntervalSince1970: 1_800_000_000.123456789), connector: "sim", providerMessageID: "ABC"))
        first.apply(StatusEvent(id: "evt_b", messageID: "m", part: 0, kind: .status(.delivered), source: .receipt, occurredAt: Date(timeIntervalSince1970: 1_800_000_002)))
        first.apply(StatusEvent(id: "evt_c", messageID: "m", part: 0, kind: .status(.undelivered), reason: .generalError, source: .receipt, occurredAt: Date(timeIntervalSince1970: 1_800_000_003)))
        first.apply(StatusEvent(id: "evt_d", messageID: "m", part: 0, kind: .engagement(.read), source: .receipt, occurredAt: Date(timeIntervalSince1970: 1_800_000_004)))
        var second = PartState.initial
        second.apply(StatusEvent(id: "evt_e", messageID: "m", part: 1, kind: .status(.failed), reason: .providerRejected, source: .connector, occurredAt: Date(timeIntervalSince1970: 1_800_000_001.5)))
        let parts = [first, second, PartState.initial]
        #expect(try PartStateCoding.decode(PartStateCoding.encode(parts)) == parts)
    }

    @Test("a retry round and ids holding the separators: the round comes back, the separators are dropped")
    func roundsAndSeparators() throws {
        let part = PartState(status: .deferred, reason: .handsetBusy,
                             evidence: Evidence(tier: 3, occurredAt: Date(timeIntervalSince1970: 1_800_000_000.25), eventID: "evt_r", round: 12),
                             claimedFinals: [], wasAcceptedByProvider: true, engagement: [],
                             providerMessageID: "AB\u{1E}C\u{1F}D", connector: "smsc")
        let decoded = try PartStateCoding.decode(PartStateCoding.encode([part, .initial]))
        #expect(decoded.count == 2)
        #expect(decoded[0].evidence == part.evidence)
        #expect(decoded[0].evidence.round == 12)
        #expect(decoded[0].providerMessageID == "ABCD")
        #expect(decoded[1] == .initial)
        #expect(throws: StoreError.self) { try PartStateCoding.decode("SENT\u{1F}\u{1F}xr1\u{1F}0\u{1F}e\u{1F}\u{1F}0\u{1F}\u{1F}\u{1F}") }
    }

    @Test("a corrupt column is an error, not a crash")
    func corrupt() {
        #expect(throws: StoreError.self) { try PartStateCoding.decode("garbage") }
    }
}
