import Foundation
import Testing

/// One shape per concept: a message's explanation apart from provider words, its billable flag, status filters in a
/// vocabulary's words.
@Suite("HTTP API: one shape per concept", .serialized)
struct ShapeTests {
    @Test("a gate's finding is the message's explanation, not provider words; REJECTED is not billable, DELIVERED is")
    func explanationAndBillable() async throws {
        try await APIHarness.run { api in
            let rejected = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+447700900123", "text": "hi"])
            #expect(rejected.json["status"] as? String == "REJECTED")
            #expect((rejected.json["explanation"] as? String)?.contains("GB numbering plan") == true)
            #expect(rejected.json["billable"] as? Bool == false)
            let id = try #require(rejected.json["id"] as? String)
            let shown = try await api.request("GET", "/v1/messages/\(id)")
            #expect((shown.json["explanation"] as? String)?.contains("GB numbering plan") == true)
            #expect(shown.json["provider"] == nil)
            let timeline = try #require(shown.json["timeline"] as? [[String: Any]])
            #expect(timeline.last?["source"] as? String == "policy")
            #expect(timeline.last?["explanation"] as? String != nil)
            #expect(timeline.last?["provider"] == nil)

            let sent = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "text": "hi"])
            let delivered = try await api.waitForFinal(try #require(sent.json["id"] as? String))
            #expect(delivered["billable"] as? Bool == true)
            #expect(delivered["explanation"] == nil)
        }
    }

    @Test("?status= in a vocabulary's words lists the messages that show as that word; an unknown word names the field")
    func vocabularyFilter() async throws {
        try await APIHarness.run { api in
            let rejected = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+447700900123", "text": "hi"])
            let sent = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "text": "hi"])
            _ = try await api.waitForFinal(try #require(sent.json["id"] as? String))
            let errors = try await api.request("GET", "/v1/messages?status=ERROR&vocabulary=raven")
            #expect(errors.status == 200)
            let data = try #require(errors.json["data"] as? [[String: Any]])
            #expect(data.map { $0["id"] as? String } == [rejected.json["id"] as? String])
            #expect(data.first?["status"] as? String == "ERROR")
            #expect(errors.json.keys.contains("next_cursor"))
            let bad = try await api.request("GET", "/v1/messages?status=UNDELIVERABLE&vocabulary=raven")
            #expect(bad.status == 400)
            #expect(bad.json["field"] as? String == "status")
            let masstack = try await api.request("GET", "/v1/messages?status=UNDELIVERABLE&vocabulary=masstack")
            #expect(masstack.status == 200)
            #expect((masstack.json["data"] as? [[String: Any]])?.isEmpty == true)
        }
    }

    @Test("one idempotency rule: batch items are keyed KEY:index, a 1-item batch included; a single send is keyed KEY")
    func batchKeys() async throws {
        try await APIHarness.run { api in
            let item: [String: Any] = ["channel": "sms", "to": "+14155550100", "text": "batch key"]
            let batch = try await api.request("POST", "/v1/messages/batch", json: ["messages": [item]], headers: ["Idempotency-Key": "launch-9"])
            #expect(batch.status == 202)
            let batchID = try #require((batch.json["data"] as? [[String: Any]])?.first?["id"] as? String)
            let again = try await api.request("POST", "/v1/messages/batch", json: ["messages": [item]], headers: ["Idempotency-Key": "launch-9"])
            #expect((again.json["data"] as? [[String: Any]])?.first?["id"] as? String == batchID)
            #expect((again.json["data"] as? [[String: Any]])?.first?["replayed"] as? Bool == true)
            var single = item
            single["text"] = "single key"
            let one = try await api.request("POST", "/v1/messages", json: single, headers: ["Idempotency-Key": "launch-9"])
            #expect(one.status == 202)
            #expect(one.json["id"] as? String != batchID)
        }
    }

    @Test("a webhook may batch events (max_events, max_latency_ms); out-of-range or unknown batch fields name themselves")
    func batchedWebhook() async throws {
        try await APIHarness.run { api in
            let created = try await api.request("POST", "/v1/webhooks", json: ["url": "https://example.com/herald", "batch": ["max_events": 100]])
            #expect(created.status == 201)
            let batch = try #require(created.json["batch"] as? [String: Any])
            #expect(batch["max_events"] as? Int == 100)
            #expect(batch["max_latency_ms"] as? Int == 1000)
            let listed = try await api.request("GET", "/v1/webhooks")
            #expect(((listed.json["data"] as? [[String: Any]])?.first?["batch"] as? [String: Any])?["max_events"] as? Int == 100)
            let zero = try await api.request("POST", "/v1/webhooks", json: ["url": "https://example.com/herald", "batch": ["max_events": 0]])
            #expect(zero.status == 422)
            #expect(zero.json["field"] as? String == "batch.max_events")
            let slow = try await api.request("POST", "/v1/webhooks", json: ["url": "https://example.com/herald", "batch": ["max_events": 10, "max_latency_ms": 600_000]])
            #expect(slow.json["field"] as? String == "batch.max_latency_ms")
            let typo = try await api.request("POST", "/v1/webhooks", json: ["url": "https://example.com/herald", "batch": ["maxEvents": 10]])
            #expect(typo.status == 422)
            #expect(typo.json["field"] as? String == "batch.maxEvents")
            #expect((typo.json["fix"] as? String)?.contains("max_events") == true)
        }
    }

    @Test("an unknown field inside a nested object (quiet_hours) is named like any other")
    func nestedUnknownField() async throws {
        try await APIHarness.run { api in
            let reply = try await api.request("PATCH", "/v1/account", json: ["quiet_hours": ["start": "21:00", "end": "08:00", "timezone": "UTC"]])
            #expect(reply.status == 422)
            #expect(reply.json["field"] as? String == "quiet_hours.timezone")
            let fine = try await api.request("PATCH", "/v1/account", json: ["quiet_hours": ["start": "21:00", "end": "08:00"]])
            #expect(fine.status == 200)
        }
    }
}
