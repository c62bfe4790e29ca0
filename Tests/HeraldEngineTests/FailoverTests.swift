import Foundation
import HeraldConnectors
import HeraldCore
import HeraldEngine
import Synchronization
import Testing

/// A connector that is down (no session bound), like an SMPP connector whose SMSC is unreachable.
final class DownConnector: Connector {
    let name = "down"
    let channels: Set<Channel> = [.sms]
    let calls = Atomic<Int>(0)
    func submit(_ submission: Submission) async -> SubmitResult {
        calls.add(1, ordering: .relaxed)
        return .temporaryFailure(.providerUnavailable, detail: nil)
    }
    var health: ConnectorHealth { ConnectorHealth(name: name, type: "test", channels: ["sms"], isUp: false, detail: "no session bound") }
}

/// A connector that is up but refuses everything temporarily (a carrier in trouble).
final class FlakyConnector: Connector {
    let name = "flaky"
    let channels: Set<Channel> = [.sms]
    let calls = Atomic<Int>(0)
    func submit(_ submission: Submission) async -> SubmitResult {
        calls.add(1, ordering: .relaxed)
        return .temporaryFailure(.providerUnavailable, detail: ProviderDetail(text: "SMSC busy"))
    }
}

@Suite("Routing and failover")
struct FailoverTests {
    @Test("a connector that is down is passed over for the next route")
    func down() async throws {
        let down = DownConnector()
        let harness = try await EngineHarness(otherConnectors: [down], routes: [
            .init(channel: .sms, prefix: "+1", connector: "down", priority: 0),
            .init(channel: .sms, prefix: "+1", connector: "simulator", priority: 1),
        ])
        let id = try await harness.send(SendRequest(channel: "sms", to: "+14155550100", text: "hi"))
        try await harness.settle()
        #expect(try await harness.message(id)?.status == .delivered)
        let accepted = try #require(try await harness.store.events(messageID: id).first { $0.kind == .status(.accepted) })
        #expect(accepted.connector == "simulator")
        #expect(down.calls.load(ordering: .relaxed) == 0)
    }

    @Test("a connector that keeps failing temporarily trips its circuit; the next attempts go to the next route, shown in the timeline")
    func keepsFailing() async throws {
        let flaky = FlakyConnector()
        let harness = try await EngineHarness(otherConnectors: [flaky], routes: [
            .init(channel: .sms, connector: "flaky", priority: 0),
            .init(channel: .sms, connector: "simulator", priority: 1),
        ])
        var ids: [String] = []
        for index in 0..<8 {
            ids.append(try await harness.send(SendRequest(channel: "sms", to: "+1415555\(2000 + index)", text: "hi")))
        }
        try await harness.settle(rounds: 12, step: 5)
        for id in ids { #expect(try await harness.message(id)?.status == .delivered) }
        // The breaker opened after 5 failures in a row: flaky was not asked for all 8 messages' every attempt.
        #expect(flaky.calls.load(ordering: .relaxed) < 16)
        var sawFailover = false
        for id in ids {
            let events = try await harness.store.events(messageID: id)
            let deferred = events.first { $0.kind == .status(.deferred) }
            let accepted = events.first { $0.kind == .status(.accepted) }
            if deferred?.connector == "flaky", accepted?.connector == "simulator" { sawFailover = true }
        }
        #expect(sawFailover)
    }

    @Test("longer prefixes win, then priority; weights split traffic among equals")
    func ranking() {
        let registry = ConnectorRegistry([DownConnector(), FlakyConnector()], routes: [
            .init(channel: .sms, prefix: "+44", connector: "flaky"),
            .init(channel: .sms, prefix: "+4474", connector: "down"),
        ])
        #expect(registry.candidates(for: .sms, to: "+447400123123").map(\.name) == ["down", "flaky"])
        #expect(registry.candidates(for: .sms, to: "+441234").map(\.name) == ["flaky"])
        let split = ConnectorRegistry([DownConnector(), FlakyConnector()], routes: [
            .init(channel: .sms, connector: "flaky", weight: 3), .init(channel: .sms, connector: "down", weight: 1),
        ])
        var firsts: [String: Int] = [:]
        for _ in 0..<2000 { firsts[split.candidates(for: .sms, to: "+1").first?.name ?? "", default: 0] += 1 }
        #expect((1300...1700).contains(firsts["flaky"] ?? 0))
    }
}

@Suite("Routes by account")
struct AccountRouteTests {
    @Test("a route naming an account serves only that account, ahead of longer prefixes; other accounts use the general routes")
    func accountRoutes() {
        let registry = ConnectorRegistry([DownConnector(), FlakyConnector()], routes: [
            .init(channel: .sms, prefix: "+44", connector: "flaky"),
            .init(channel: .sms, connector: "down", account: "bank"),
        ])
        registry.learn(accountID: "acc_bank", name: "bank")
        #expect(registry.candidates(for: .sms, to: "+447400123456", accountID: "acc_bank").map(\.name) == ["down", "flaky"])
        #expect(registry.candidates(for: .sms, to: "+447400123456", accountID: "acc_shop").map(\.name) == ["flaky"])
        #expect(registry.candidates(for: .sms, to: "+447400123456").map(\.name) == ["flaky"])
        #expect(registry.routedAccounts == ["bank"])
    }
}
