import Foundation
import HeraldCore
import HeraldHTTP
import Testing

@Suite("HTTP API: connectors and inbound messages", .serialized)
struct OperatorAPITests {
    @Test("GET /v1/connectors lists each connector with its type, channels and whether it is up")
    func connectors() async throws {
        try await APIHarness.run { api in
            let reply = try await api.request("GET", "/v1/connectors")
            #expect(reply.status == 200)
            let data = try #require(reply.json["data"] as? [[String: Any]])
            #expect(data.count == 1)
            #expect(data[0]["type"] as? String == "simulator")
            #expect(data[0]["up"] as? Bool == true)
            #expect((data[0]["channels"] as? [String])?.contains("sms") == true)
            #expect(try await api.request("GET", "/v1/connectors", key: .some(nil)).status == 401)
        }
    }

    @Test("GET /v1/inbound pages the account's inbound messages; a bad limit is a problem naming the field")
    func inbound() async throws {
        try await APIHarness.run { api in
            let empty = try await api.request("GET", "/v1/inbound")
            #expect(empty.status == 200)
            #expect((empty.json["data"] as? [Any])?.isEmpty == true)
            let bad = try await api.request("GET", "/v1/inbound?limit=0")
            #expect(bad.status == 400)
            #expect(bad.json["field"] as? String == "limit")
        }
    }
}

@Suite("HTTP API: preview", .serialized)
struct PreviewAPITests {
    @Test("preview answers segments, encoding, parts and cost, stores nothing")
    func preview() async throws {
        try await APIHarness.run { api in
            let body: [String: Any] = ["channel": "sms", "to": "+1 (415) 555-0100", "text": String(repeating: "a", count: 161)]
            let reply = try await api.request("POST", "/v1/messages/preview", json: body)
            #expect(reply.status == 200)
            #expect(reply.json["to"] as? String == "+14155550100")
            #expect(reply.json["would_be"] as? String == "QUEUED")
            #expect(reply.json["segments"] as? Int == 2)
            #expect(reply.json["encoding"] as? String == "GSM-7")
            #expect((reply.json["parts"] as? [String])?.map(\.count) == [153, 8])
            let cost = try #require(reply.json["cost"] as? [String: Any])
            #expect(cost["amount"] as? String == "0.015")
            #expect(cost["billable_segments"] as? Int == 2)
            let log = try await api.request("GET", "/v1/messages")
            #expect((log.json["data"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("smart encoding turns a 2-part UCS-2 text into 1 GSM-7 part and lists what it replaced")
    func smartEncoding() async throws {
        try await APIHarness.run { api in
            let text = String(repeating: "word ", count: 19) + "“x”"
            let plain = try await api.request("POST", "/v1/messages/preview", json: ["channel": "sms", "to": "+14155550100", "text": text])
            #expect(plain.json["encoding"] as? String == "UCS-2")
            #expect(plain.json["segments"] as? Int == 2)
            let smart = try await api.request("POST", "/v1/messages/preview",
                                              json: ["channel": "sms", "to": "+14155550100", "text": text, "smart_encoding": true])
            #expect(smart.json["encoding"] as? String == "GSM-7")
            #expect(smart.json["segments"] as? Int == 1)
            let replaced = try #require((smart.json["smart_encoding"] as? [String: Any])?["replaced"] as? [[String: Any]])
            #expect(replaced.map { $0["original"] as? String } == ["“", "”"])
            // Sending with smart encoding stores the replaced text.
            let sent = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "text": text, "smart_encoding": true])
            #expect(sent.json["text"] as? String == String(repeating: "word ", count: 19) + "\"x\"")
            #expect(sent.json["segments"] as? Int == 1)
        }
    }

    @Test("a recipient that would be rejected previews as REJECTED with its reason and no cost; a bad body is 422")
    func rejected() async throws {
        try await APIHarness.run { api in
            let reply = try await api.request("POST", "/v1/messages/preview", json: ["channel": "sms", "to": "", "text": "hi"])
            #expect(reply.json["would_be"] as? String == "REJECTED")
            #expect((reply.json["reason"] as? [String: Any])?["code"] as? String == "EMPTY_RECIPIENT")
            #expect((reply.json["cost"] as? [String: Any])?["amount"] as? String == "0.00")
            let bad = try await api.request("POST", "/v1/messages/preview", json: ["channel": "fax", "to": "+14155550100", "text": "hi"])
            #expect(bad.status == 422)
            #expect(bad.json["field"] as? String == "channel")
        }
    }
}

@Suite("HTTP API: cancel", .serialized)
struct CancelAPITests {
    @Test("a scheduled message is canceled (200, CANCELED, not billed); again is 409 naming why; unknown is 404")
    func cancel() async throws {
        try await APIHarness.run { api in
            let sendAt = Timestamp.format(Date().addingTimeInterval(3600))
            let sent = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "text": "later", "send_at": sendAt])
            #expect(sent.json["status"] as? String == "SCHEDULED")
            let id = try #require(sent.json["id"] as? String)
            let canceled = try await api.request("POST", "/v1/messages/\(id)/cancel")
            #expect(canceled.status == 200)
            #expect(canceled.json["status"] as? String == "CANCELED")
            #expect((canceled.json["cost"] as? [String: Any])?["amount"] as? String == "0.00")
            let timeline = try #require(canceled.json["timeline"] as? [[String: Any]])
            #expect(timeline.map { $0["event"] as? String } == ["SCHEDULED", "CANCELED"])
            let again = try await api.request("POST", "/v1/messages/\(id)/cancel")
            #expect(again.status == 409)
            #expect((again.json["detail"] as? String)?.contains("CANCELED") == true)
            #expect(try await api.request("POST", "/v1/messages/msg_nothing/cancel").status == 404)
        }
    }
}

@Suite("HTTP API: opt-out", .serialized)
struct SuppressionAPITests {
    @Test("a suppressed recipient's message is UNSUBSCRIBED / OPTED_OUT and not billed; removing it lets messages through")
    func optOut() async throws {
        try await APIHarness.run { api in
            let added = try await api.request("POST", "/v1/suppressions", json: ["channel": "sms", "recipient": "+1 415 555 0100"])
            #expect(added.status == 201)
            #expect(added.json["recipient"] as? String == "+14155550100")
            let blocked = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "from": "Herald", "text": "offer"])
            #expect(blocked.json["status"] as? String == "UNSUBSCRIBED")
            #expect((blocked.json["reason"] as? [String: Any])?["code"] as? String == "OPTED_OUT")
            #expect((blocked.json["cost"] as? [String: Any])?["amount"] as? String == "0.00")
            let listed = try await api.request("GET", "/v1/suppressions")
            #expect((listed.json["data"] as? [[String: Any]])?.first?["sender"] is NSNull)
            #expect(try await api.request("DELETE", "/v1/suppressions?channel=sms&recipient=%2B14155550100").status == 204)
            #expect(try await api.request("DELETE", "/v1/suppressions?channel=sms&recipient=%2B14155550100").status == 404)
            let through = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "from": "Herald", "text": "offer"])
            #expect(through.json["status"] as? String == "QUEUED")
            let bad = try await api.request("POST", "/v1/suppressions", json: ["channel": "sms", "recipient": "nope"])
            #expect(bad.status == 422)
            #expect(bad.json["field"] as? String == "recipient")
        }
    }
}

@Suite("HTTP API: duplicates", .serialized)
struct DuplicateAPITests {
    @Test("the same recipient, sender and text within the window is DUPLICATE (not billed); an Idempotency-Key replays the original instead")
    func duplicates() async throws {
        try await APIHarness.run { api in
            let body: [String: Any] = ["channel": "sms", "to": "+14155550100", "from": "Herald", "text": "Your code is 123456"]
            let first = try await api.request("POST", "/v1/messages", json: body, headers: ["Idempotency-Key": "k1"])
            #expect(first.json["status"] as? String == "QUEUED")
            let again = try await api.request("POST", "/v1/messages", json: body)
            #expect(again.json["status"] as? String == "DUPLICATE")
            #expect((again.json["reason"] as? [String: Any])?["code"] as? String == "DUPLICATE_CONTENT")
            #expect((again.json["cost"] as? [String: Any])?["amount"] as? String == "0.00")
            let replay = try await api.request("POST", "/v1/messages", json: body, headers: ["Idempotency-Key": "k1"])
            #expect(replay.status == 200)
            #expect(replay.json["id"] as? String == first.json["id"] as? String)
            var other = body
            other["text"] = "Your code is 654321"
            #expect(try await api.request("POST", "/v1/messages", json: other).json["status"] as? String == "QUEUED")
            // Within one batch too.
            other["to"] = "+14155550101"
            let batch = try await api.request("POST", "/v1/messages/batch", json: ["messages": [other, other]])
            let statuses = (batch.json["data"] as? [[String: Any]])?.map { $0["status"] as? String }
            #expect(statuses == ["QUEUED", "DUPLICATE"])
        }
    }
}
