import Foundation
import HeraldCore
import HeraldHTTP
import Testing

@Suite("HTTP API over loopback", .serialized)
struct APITests {
    static var sms: [String: Any] { ["channel": "sms", "to": "+14155550100", "from": "Herald", "text": "Your code is 123456"] }

    @Test("send, then read status, reason, timeline, parts and cost")
    func sendAndTrack() async throws {
        try await APIHarness.run { api in
            let sent = try await api.request("POST", "/v1/messages", json: Self.sms)
            #expect(sent.status == 202)
            #expect(sent.json["status"] as? String == "QUEUED")
            let id = try #require(sent.json["id"] as? String)
            let message = try await api.waitForFinal(id)
            #expect(message["status"] as? String == "DELIVERED")
            #expect(message["reason"] == nil)
            #expect((message["cost"] as? [String: Any])?["amount"] as? String == "0.0075")
            let timeline = try #require(message["timeline"] as? [[String: Any]])
            #expect(timeline.map { $0["event"] as? String } == ["QUEUED", "SENDING", "ACCEPTED", "SENT", "DELIVERED"])
            #expect(timeline.allSatisfy { $0["effect"] as? String == "applied" })
            let parts = try #require(message["parts"] as? [[String: Any]])
            #expect(parts.count == 1)
            #expect(parts[0]["provider_message_id"] as? String != nil)
            #expect((message["provider"] as? [String: Any])?["status"] as? String == "DELIVRD")
        }
    }

    @Test("a failure carries the reason with its meaning, resolution and the raw provider detail")
    func failureReason() async throws {
        try await APIHarness.run { api in
            var body = Self.sms
            body["to"] = "+14155550105"
            let id = try #require(try await api.request("POST", "/v1/messages", json: body).json["id"] as? String)
            let message = try await api.waitForFinal(id)
            #expect(message["status"] as? String == "UNDELIVERED")
            let reason = try #require(message["reason"] as? [String: Any])
            #expect(reason["code"] as? String == "ANTI_SPAM_REJECTION")
            #expect(reason["resolution"] as? String == "review content / sender id")
            #expect(reason["retryable"] as? Bool == false)
            let provider = try #require(message["provider"] as? [String: Any])
            #expect(provider["status"] as? String == "REJECTD")
            #expect(provider["error_code"] as? String == "006")
            let tracksend = try await api.waitForFinal(id, query: "?vocabulary=tracksend")
            #expect(tracksend["status"] as? String == "REJECTED")
        }
    }

    @Test("an empty or malformed recipient is stored as REJECTED and shows in the log")
    func rejectedRecipient() async throws {
        try await APIHarness.run { api in
            var body = Self.sms
            body["to"] = ""
            let sent = try await api.request("POST", "/v1/messages", json: body)
            #expect(sent.status == 202)
            #expect(sent.json["status"] as? String == "REJECTED")
            #expect((sent.json["reason"] as? [String: Any])?["code"] as? String == "EMPTY_RECIPIENT")
            body["to"] = "not a number"
            let invalid = try await api.request("POST", "/v1/messages", json: body)
            #expect((invalid.json["reason"] as? [String: Any])?["code"] as? String == "INVALID_NUMBER")
            let log = try await api.request("GET", "/v1/messages?status=REJECTED")
            #expect((log.json["data"] as? [[String: Any]])?.count == 2)
        }
    }

    @Test("bad input gets a problem+json body naming the field and the fix", arguments: [
        ("malformed JSON", "{\"channel\": \"sms\",", 400, Optional<String>.none),
        ("empty body", "", 400, nil),
        ("an array instead of an object", "[1, 2]", 400, nil),
        ("unknown channel", "{\"channel\":\"fax\",\"to\":\"+14155550100\",\"text\":\"x\"}", 422, "channel"),
        ("missing recipient", "{\"channel\":\"sms\",\"text\":\"x\"}", 422, "to"),
        ("recipient of the wrong type", "{\"channel\":\"sms\",\"to\":14155550100,\"text\":\"x\"}", 422, "to"),
        ("missing text", "{\"channel\":\"sms\",\"to\":\"+14155550100\"}", 422, "text"),
        ("text too long", "{\"channel\":\"sms\",\"to\":\"+14155550100\",\"text\":\"\(String(repeating: "a", count: 1600))\"}", 422, "text"),
        ("bad send_at", "{\"channel\":\"sms\",\"to\":\"+14155550100\",\"text\":\"x\",\"send_at\":\"tomorrow\"}", 422, "send_at"),
    ])
    func badInput(name: String, body: String, status: Int, field: String?) async throws {
        try await APIHarness.run { api in
            let reply = try await api.request("POST", "/v1/messages", raw: body)
            #expect(reply.status == status, "\(name)")
            #expect(reply.contentType.hasPrefix("application/problem+json"), "\(name)")
            #expect(reply.json["field"] as? String == field, "\(name)")
            #expect((reply.json["fix"] as? String)?.isEmpty == false, "\(name)")
            #expect(reply.json["status"] as? Int == status)
            let log = try await api.request("GET", "/v1/messages")
            #expect((log.json["data"] as? [[String: Any]])?.isEmpty == true, "nothing stored for \(name)")
        }
    }

    @Test("keys: missing, malformed and unknown keys are 401; another account's message is 404")
    func authentication() async throws {
        try await APIHarness.run { api in
            let missing = try await api.request("GET", "/v1/messages", key: .some(nil))
            #expect(missing.status == 401)
            #expect(missing.json["field"] as? String == "Authorization")
            #expect(try await api.request("GET", "/v1/messages", key: "hk_wrong").status == 401)
            let id = try #require(try await api.request("POST", "/v1/messages", json: Self.sms).json["id"] as? String)
            let foreign = try await api.request("GET", "/v1/messages/\(id)", key: .some(api.otherKey))
            #expect(foreign.status == 404)
            #expect(foreign.contentType.hasPrefix("application/problem+json"))
            let reply1 = try await api.request("GET", "/v1/messages", key: .some(api.otherKey))
            #expect((reply1.json["data"] as? [Any])?.isEmpty == true)
            #expect(try await api.request("GET", "/v1/messages/msg_unknown").status == 404)
        }
    }

    @Test("Idempotency-Key returns the original message")
    func idempotency() async throws {
        try await APIHarness.run { api in
            let first = try await api.request("POST", "/v1/messages", json: Self.sms, headers: ["Idempotency-Key": "signup-7"])
            let second = try await api.request("POST", "/v1/messages", json: Self.sms, headers: ["Idempotency-Key": "signup-7"])
            #expect(first.status == 202)
            #expect(second.status == 200)
            #expect(second.json["id"] as? String == first.json["id"] as? String)
            #expect(second.headers.first { $0.key.lowercased() == "idempotent-replayed" }?.value == "true")
            let log = try await api.request("GET", "/v1/messages")
            #expect((log.json["data"] as? [Any])?.count == 1)
            // The same key with another message is a mistake, not a replay.
            var other = Self.sms
            other["text"] = "Your code is 654321"
            let reused = try await api.request("POST", "/v1/messages", json: other, headers: ["Idempotency-Key": "signup-7"])
            #expect(reused.status == 422)
            #expect(reused.json["type"] as? String == "https://herald.dev/problems/idempotency-key-reused")
            #expect(reused.json["field"] as? String == "Idempotency-Key")
            #expect((reused.json["detail"] as? String)?.contains("text differs") == true)
            var national = Self.sms
            national["to"] = "+1 (415) 555-0100"
            let sameNumber = try await api.request("POST", "/v1/messages", json: national, headers: ["Idempotency-Key": "signup-7"])
            #expect(sameNumber.status == 200, "the same number written another way is the same request")
        }
    }

    @Test("a batch of 1,000 is stored whole; 1,001 or a bad item stores nothing")
    func batches() async throws {
        try await APIHarness.run { api in
            let thousand = (0..<1000).map { index -> [String: Any] in
                ["channel": "sms", "to": "+1415556\(String(format: "%04d", index))", "text": "hello \(index)", "tag": "launch"]
            }
            let accepted = try await api.request("POST", "/v1/messages/batch", json: ["messages": thousand])
            #expect(accepted.status == 202)
            let items = try #require(accepted.json["data"] as? [[String: Any]])
            #expect(items.count == 1000)
            #expect(Set(items.compactMap { $0["id"] as? String }).count == 1000)
            let tooMany = try await api.request("POST", "/v1/messages/batch", json: ["messages": thousand + [thousand[0]]])
            #expect(tooMany.status == 413)
            #expect(tooMany.json["field"] as? String == "messages")
            var withBadItem = Array(thousand.prefix(3))
            withBadItem[1]["text"] = ""
            let bad = try await api.request("POST", "/v1/messages/batch", json: ["messages": withBadItem])
            #expect(bad.status == 422)
            #expect(bad.json["field"] as? String == "messages[1].text")
            let stats = try await api.request("GET", "/v1/stats")
            #expect(stats.json["total"] as? Int == 1000)
        }
    }

    @Test("the log pages with a cursor and filters by recipient and tag")
    func logPaging() async throws {
        try await APIHarness.run { api in
            for index in 0..<5 {
                var body = Self.sms
                body["to"] = "+1415555\(index < 3 ? "1000" : "2000")"
                body["tag"] = index % 2 == 0 ? "even" : "odd"
                _ = try await api.request("POST", "/v1/messages", json: body)
            }
            var ids: [String] = []
            var next: String? = ""
            while let cursor = next {
                let page = try await api.request("GET", "/v1/messages?limit=2" + (cursor.isEmpty ? "" : "&cursor=\(cursor)"))
                ids += (page.json["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                next = page.json["next_cursor"] as? String
            }
            #expect(ids.count == 5)
            #expect(ids == ids.sorted(by: >))
            let byRecipient = try await api.request("GET", "/v1/messages?to=%2B14155551000")
            let byTag = try await api.request("GET", "/v1/messages?tag=even")
            #expect((byRecipient.json["data"] as? [Any])?.count == 3)
            #expect((byTag.json["data"] as? [Any])?.count == 3)
            let bad = try await api.request("GET", "/v1/messages?status=LOST")
            #expect(bad.status == 400)
            #expect(bad.json["field"] as? String == "status")
        }
    }

    @Test("openapi.json documents exactly the routes the server answers")
    func openAPIAgreesWithRoutes() async throws {
        try await APIHarness.run { api in
            let reply = try await api.request("GET", "/openapi.json", key: .some(nil))
            #expect(reply.status == 200)
            let paths = try #require(reply.json["paths"] as? [String: [String: Any]])
            #expect(reply.json["openapi"] as? String == "3.1.0")
            var documented = Set<String>()
            for (path, operations) in paths {
                for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            let api2 = HeraldAPI(gateway: .init(store: api.store))
            var served = Set(api2.endpoints.map { "\($0.method.rawValue) \($0.openAPIPath)" })
            for route in HeraldAPI.publicRoutes { served.insert("\(route.method.rawValue) \(route.path)") }
            #expect(documented == served)
            // Every documented operation is answered by a handler (JSON), not by the router's 404.
            for entry in documented {
                let parts = entry.split(separator: " ")
                var path = String(parts[1]).replacingOccurrences(of: "{id}", with: "msg_probe").replacingOccurrences(of: "{delivery}", with: "dlv_probe")
                    .replacingOccurrences(of: "{name}", with: "probe")
                // A stream never ends on its own: probe it with a bad cursor, which its handler refuses as JSON.
                if path.hasSuffix("/stream") { path += "?after=probe" }
                if path.hasSuffix("/export") { path += "?format=probe" }
                let probe = try await api.request(String(parts[0]), path, raw: parts[0] == "POST" ? "{}" : nil)
                #expect(probe.contentType.contains("json"), "\(entry) answered \(probe.status) \(probe.contentType)")
            }
            #expect(try await api.request("GET", "/v1/nothing-here").status == 404)
        }
    }

    @Test("health and readiness")
    func health() async throws {
        try await APIHarness.run { api in
            let health = try await api.request("GET", "/health", key: .some(nil))
            let ready = try await api.request("GET", "/ready", key: .some(nil))
            let reasons = try await api.request("GET", "/v1/reasons", key: .some(nil))
            #expect(health.status == 200)
            #expect(ready.json["status"] as? String == "ready")
            #expect((reasons.json["data"] as? [Any])?.count == ReasonCatalogue.all.count)
        }
    }
}
