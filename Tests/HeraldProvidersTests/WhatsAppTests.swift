import AsyncHTTPClient
import FakeProviders
import Foundation
import HeraldConnectors
import HeraldCore
@testable import HeraldProviders
import Testing

/// WhatsApp Cloud API's wire format without sockets, then Herald against `herald fake-provider whatsapp` over loopback.
@Suite struct WhatsAppTests {
    static func connector() -> WhatsAppConnector {
        WhatsAppConnector(configuration: WhatsAppConfiguration(name: "wa", baseURL: "http://127.0.0.1:9", phoneNumberID: "106540352242922",
                                                               accessToken: "t", appSecret: "app-secret", verifyToken: "verify-me"),
                          client: .shared)
    }

    @Test func signatureMatchesAnIndependentHMAC() {
        // Python: "sha256=" + hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
        let body = Array(#"{"entry":[]}"#.utf8)
        #expect(WhatsAppSignature.sign(body, appSecret: "app-secret") == "sha256=fe6aaed5aff30b5679e782271914a2287bdd7de6bedb495c95c24ad91e5e3fdb")
        #expect(WhatsAppSignature.verify("sha256=FE6AAED5AFF30B5679E782271914A2287BDD7DE6BEDB495C95C24AD91E5E3FDB", body: body, appSecret: "app-secret"))
        #expect(!WhatsAppSignature.verify("sha256=fe6aaed5aff30b5679e782271914a2287bdd7de6bedb495c95c24ad91e5e3fdb", body: body + [0x20], appSecret: "app-secret"))
    }

    static func get(_ query: [ProviderCallback.Parameter]) -> ProviderCallback {
        ProviderCallback(kind: .status, method: "GET", url: "https://h/v1/providers/wa/status", query: query, headers: [:], body: [], receivedAt: Date())
    }

    @Test func verificationHandshakeEchoesTheChallengeOnlyForTheToken() {
        let connector = Self.connector()
        guard case .handshake(_, let body) = connector.handle(Self.get([.init("hub.mode", "subscribe"), .init("hub.verify_token", "verify-me"),
                                                                       .init("hub.challenge", "1158201444")]))
        else { Issue.record("no handshake"); return }
        #expect(body == "1158201444")
        guard case .refused(403, _) = connector.handle(Self.get([.init("hub.mode", "subscribe"), .init("hub.verify_token", "guess"),
                                                                .init("hub.challenge", "1")]))
        else { Issue.record("a wrong verify token is not refused"); return }
    }

    static func notification(_ json: String, secret: String = "app-secret") -> ProviderCallback {
        let body = Array(json.utf8)
        return ProviderCallback(kind: .status, method: "POST", url: "https://h/v1/providers/wa/status", query: [],
                                headers: ["content-type": "application/json", "x-hub-signature-256": WhatsAppSignature.sign(body, appSecret: secret)],
                                body: body, receivedAt: Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test func notificationsBecomeReceiptsAndInboundMessages() throws {
        let json = """
            {"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",
            "metadata":{"display_phone_number":"15550001111","phone_number_id":"106540352242922"},
            "statuses":[{"id":"wamid.A","status":"read","timestamp":"1799999990","recipient_id":"14155550100"},
                        {"id":"wamid.B","status":"failed","timestamp":"1799999991","recipient_id":"14155550101",
                         "errors":[{"code":131026,"title":"Message undeliverable","error_data":{"details":"not on WhatsApp"}}]},
                        {"id":"wamid.C","status":"failed","timestamp":"1799999992","recipient_id":"14155550102","errors":[{"code":139999,"title":"new"}]}],
            "messages":[{"from":"14155550100","id":"wamid.IN","timestamp":"1799999993","type":"text","text":{"body":"Thanks"}}]}}]}]}
            """
        guard case .accepted(let content) = Self.connector().handle(Self.notification(json)) else { Issue.record("not accepted"); return }
        #expect(content.receipts.map(\.providerMessageID) == ["wamid.A", "wamid.B", "wamid.C"])
        #expect(content.receipts[0].kind == .engagement(.read))
        #expect(content.receipts[0].occurredAt == Date(timeIntervalSince1970: 1_799_999_990))
        #expect(content.receipts[1].kind == .status(.undelivered) && content.receipts[1].reason == .unroutable)
        #expect(content.receipts[1].detail?.errorCode == "131026")
        #expect(content.receipts[2].reason == .unknownProviderCode)
        #expect(content.inbound.map(\.text) == ["Thanks"])
        #expect(content.inbound.first?.from == "+14155550100" && content.inbound.first?.channel == .chat)
        guard case .refused(403, _) = Self.connector().handle(Self.notification(json, secret: "other")) else { Issue.record("forged not refused"); return }
        let foreign = json.replacingOccurrences(of: "106540352242922", with: "999")
        guard case .refused(403, _) = Self.connector().handle(Self.notification(foreign)) else { Issue.record("another number not refused"); return }
    }

    @Test func apiErrorsBecomeSubmitResults() {
        let connector = Self.connector()
        func answer(_ status: Int, _ json: String) -> SubmitResult { connector.answer(status: status, body: Array(json.utf8)) }
        #expect(answer(200, #"{"messaging_product":"whatsapp","messages":[{"id":"wamid.X"}]}"#) == .accepted(providerMessageID: "wamid.X", detail: ProviderDetail(status: "accepted")))
        guard case .temporaryFailure(.throttled, _) = answer(400, #"{"error":{"message":"(#130429) Rate limit hit","code":130429}}"#)
        else { Issue.record("130429 is not THROTTLED"); return }
        guard case .permanentFailure(.providerRejected, let detail) = answer(400, #"{"error":{"message":"(#131030) not in allowed list","code":131030,"error_data":{"details":"add it"}}}"#)
        else { Issue.record("131030 is not PROVIDER_REJECTED"); return }
        #expect(detail?.errorCode == "131030")
        #expect(detail?.text == "(#131030) not in allowed list: add it")
        guard case .unavailable = answer(401, #"{"error":{"message":"Invalid OAuth access token","code":190}}"#)
        else { Issue.record("190 does not make the connector unavailable"); return }
    }

    @Test func readReplyAndFailuresThroughTheFake() async throws {
        try await ProviderHarness.runWhatsApp(fake: { $0.behaviour.duplicates = 1 }) { herald in
            let read = try await herald.send(["channel": "chat", "to": "+14155550022", "text": "Your order shipped"])
            let undeliverable = try await herald.send(["channel": "chat", "to": "+14155551026", "text": "hi"])
            let unknown = try await herald.send(["channel": "chat", "to": "+14155559999", "text": "hi"])
            let refused = try await herald.send(["channel": "chat", "to": "+14155550030", "text": "hi"])
            let readOnly = try await herald.send(["channel": "chat", "to": "+14155550033", "text": "hi"])

            var first = try await herald.waitForFinal(read)
            // READ comes through the receipt path and the reply through the inbound one: either may be stored first.
            for _ in 0..<500 where !["READ", "REPLIED"].allSatisfy({ event in first.timeline.contains { $0["event"] as? String == event } }) {
                try await Task.sleep(for: .milliseconds(20))
                first = try await herald.request("GET", herald.baseURL.appendingPathComponent("v1/messages/\(read)")).json
            }
            #expect(first["status"] as? String == "DELIVERED")
            let reported = (first["cost"] as? [String: Any])?["provider_reported"] as? [[String: Any]] ?? []
            #expect(reported.first?["category"] as? String == "service (CBP, billable)")
            let readEvent = try #require(first.timeline.first { $0["event"] as? String == "READ" })
            #expect(readEvent["effect"] as? String != "ignored_weaker")
            #expect(readEvent["type"] as? String == "message.engagement")
            let replied = try #require(first.timeline.first { $0["event"] as? String == "REPLIED" })
            #expect((replied["provider"] as? [String: Any] ?? replied["explanation"] as? [String: Any]) != nil || replied["source"] as? String == "receipt")
            let inbound = try await herald.request("GET", herald.baseURL.appendingPathComponent("v1/inbound"))
            let reply = (inbound.json["data"] as? [[String: Any]])?.first
            #expect(reply?["text"] as? String == "Thanks, got it!")
            #expect(reply?["in_reply_to"] as? String == read)

            let second = try await herald.waitForFinal(undeliverable)
            #expect(second["status"] as? String == "UNDELIVERED")
            #expect(second.reasonCode == "UNROUTABLE")
            let third = try await herald.waitForFinal(unknown)
            #expect(third.reasonCode == "UNKNOWN_PROVIDER_CODE")
            let fourth = try await herald.waitForFinal(refused)
            #expect(fourth["status"] as? String == "FAILED")
            #expect((fourth.timeline.first { $0["event"] as? String == "FAILED" }?["provider"] as? [String: Any])?["error_code"] as? String == "131030")
            let fifth = try await herald.waitForFinal(readOnly)
            #expect(fifth["status"] as? String == "DELIVERED", "READ implies DELIVERED")
        }
    }

    @Test func templateMessagesAreSentAsTemplates() async throws {
        try await ProviderHarness.runWhatsApp { herald in
            let id = try await herald.send(["channel": "chat", "to": "+14155550100",
                                            "chat_template": ["name": "order_shipped", "language": "en_US", "parameters": ["Ann", "42"]]])
            let message = try await herald.waitForFinal(id)
            #expect(message["status"] as? String == "DELIVERED")
            #expect(message["text"] as? String == "[template order_shipped (en_US): Ann, 42]")
            let template = message["chat_template"] as? [String: Any]
            #expect(template?["name"] as? String == "order_shipped")
            #expect(template?["parameters"] as? [String] == ["Ann", "42"])
            // The name reaches Meta: one nobody approved fails there with 132001.
            let missing = try await herald.send(["channel": "chat", "to": "+14155550100", "chat_template": ["name": "missing_template", "language": "en"]])
            let failed = try await herald.waitForFinal(missing)
            #expect(failed.reasonCode == "TEMPLATE_ERROR")
            // Field errors name the field.
            let sms = try await herald.request("POST", herald.baseURL.appendingPathComponent("v1/messages"),
                                               json: ["channel": "sms", "to": "+14155550100", "text": "x", "chat_template": ["name": "a", "language": "en"]])
            #expect(sms.status == 422)
            #expect(sms.json["field"] as? String == "chat_template")
            let bad = try await herald.request("POST", herald.baseURL.appendingPathComponent("v1/messages"),
                                               json: ["channel": "chat", "to": "+14155550100", "chat_template": ["name": "Order Shipped", "language": "en"]])
            #expect(bad.json["field"] as? String == "chat_template.name")
            let unknown = try await herald.request("POST", herald.baseURL.appendingPathComponent("v1/messages"),
                                                   json: ["channel": "chat", "to": "+14155550100", "chat_template": ["name": "a", "language": "en", "lang": "x"]])
            #expect(unknown.json["field"] as? String == "chat_template.lang")
        }
    }

    @Test func metaVerificationAndForgedNotifications() async throws {
        try await ProviderHarness.runWhatsApp { herald in
            let verified = try await herald.request("POST", herald.fakeURL.appendingPathComponent("fake/verify"), authorized: false)
            #expect(verified.json["verified"] as? Bool == true)
            let forged = try await herald.request("POST", herald.baseURL.appendingPathComponent("v1/providers/wa/status"),
                                                  json: ["object": "whatsapp_business_account", "entry": []],
                                                  headers: ["X-Hub-Signature-256": "sha256=00"], authorized: false)
            #expect(forged.status == 403)
        }
    }
}
