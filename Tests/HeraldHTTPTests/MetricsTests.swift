import Foundation
import HeraldHTTP
import HeraldMetrics
import Metrics
import Prometheus
import Testing

/// `GET /metrics`: Herald's metrics in Prometheus' text format, for operator keys only.
@Suite("HTTP API: metrics", .serialized)
struct MetricsTests {
    /// The process's one metrics backend (swift-metrics is bootstrapped once per process), as `herald serve` sets it up.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        HeraldMetrics.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    static func exposition() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    @Test("messages accepted and final, receipts and HTTP requests are counted; only an operator key reads them")
    func metrics() async throws {
        _ = Self.registry
        try await APIHarness.run(metrics: { Self.exposition() }) { api in
            let sent = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "text": "count me"])
            let id = try #require(sent.json["id"] as? String)
            _ = try await api.waitForFinal(id)
            let refused = try await api.request("GET", "/metrics")
            #expect(refused.status == 403)
            #expect((refused.json["type"] as? String)?.hasSuffix("operator-only") == true)
            #expect(try await api.request("GET", "/metrics", key: .some(nil)).status == 401)
            let reply = try await api.request("GET", "/metrics", key: .some(api.operatorKey))
            #expect(reply.status == 200)
            #expect(reply.contentType.hasPrefix("text/plain"))
            let text = String(decoding: reply.body, as: UTF8.self)
            for line in [#"herald_messages_accepted_total{channel="sms"}"#, #"herald_messages_final_total{channel="sms",status="DELIVERED",reason=""}"#,
                         #"hb_requests{http_route="/v1/messages",http_request_method="POST",http_response_status_code="202"}"#,
                         "herald_store_transaction_seconds_count", #"herald_message_time_to_final_seconds_count{channel="sms",connector="simulator"}"#] {
                #expect(text.contains(line), "\(line) missing")
            }
            // The receipt was applied at once, or parked when it overtook the submit response (applied moments later).
            #expect(text.contains(#"herald_receipts_total{outcome="applied"}"#) || text.contains(#"herald_receipts_total{outcome="parked"}"#),
                    "the receipt is counted")
        }
    }
}
