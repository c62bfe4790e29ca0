import FakeProviders
import Foundation
import HeraldConnectors
import HeraldCore
import HeraldProviders
import HeraldStore
import Testing

/// Herald against `herald fake-provider twilio` over loopback HTTP, both ways: the Messages API out, signed status and
/// inbound callbacks back in.
@Suite struct TwilioEndToEndTests {
    static func events(_ message: [String: Any], _ word: String) -> [[String: Any]] {
        message.timeline.filter { $0["event"] as? String == word }
    }

    @Test func statusesAndErrorCodesComeBackThroughSignedCallbacks() async throws {
        try await ProviderHarness.run { herald in
            let long = String(repeating: "Twilio splits this itself. ", count: 8)
            let delivered = try await herald.send(["channel": "sms", "to": "+14155550100", "text": long])
            let absent = try await herald.send(["channel": "sms", "to": "+14155550301", "text": "hi"])
            let invalid = try await herald.send(["channel": "sms", "to": "+15005550001", "text": "hi"])
            let unknown = try await herald.send(["channel": "sms", "to": "+14155550399", "text": "hi"])

            let first = try await herald.waitForFinal(delivered)
            #expect(first["status"] as? String == "DELIVERED")
            #expect((first["segments"] as? Int ?? 0) > 1)
            let accepted = Self.events(first, "ACCEPTED")
            #expect(accepted.count == 1, "one submission for the whole message")
            let sid = try #require(accepted.first?["provider_message_id"] as? String)
            #expect(sid.hasPrefix("SM") && sid.count == 34)
            #expect(Self.events(first, "DELIVERED").first?["provider_message_id"] as? String == sid)
            #expect(Self.events(first, "DELIVERED").first?["source"] as? String == "receipt")

            let second = try await herald.waitForFinal(absent)
            #expect(second["status"] as? String == "UNDELIVERED")
            #expect(second.reasonCode == "ABSENT_SUBSCRIBER")
            let provider = Self.events(second, "UNDELIVERED").first?["provider"] as? [String: Any]
            #expect(provider?["error_code"] as? String == "30003")
            #expect(provider?["status"] as? String == "undelivered")

            let third = try await herald.waitForFinal(invalid)
            #expect(third["status"] as? String == "FAILED")
            #expect(third.reasonCode == "INVALID_NUMBER")
            #expect((Self.events(third, "FAILED").first?["provider"] as? [String: Any])?["error_code"] as? String == "21211")

            let fourth = try await herald.waitForFinal(unknown)
            #expect(fourth["status"] as? String == "UNDELIVERED")
            #expect(fourth.reasonCode == "UNKNOWN_PROVIDER_CODE")
            #expect((Self.events(fourth, "UNDELIVERED").first?["provider"] as? [String: Any])?["error_code"] as? String == "39999")

            // Every callback was kept raw before it was acknowledged.
            let kept = try await herald.store.providerWebhooks(connector: "tw", limit: 100)
            #expect(kept.count >= 6)
            #expect(kept.allSatisfy { $0.kind == "status" && String(decoding: $0.body, as: UTF8.self).contains("MessageSid=SM") })
        }
    }

    @Test func earlyDuplicateAndReorderedStatusesAreMatchedOnce() async throws {
        try await ProviderHarness.run(fake: { $0.behaviour.early = 1; $0.behaviour.duplicates = 1; $0.behaviour.reorder = 1 }) { herald in
            let id = try await herald.send(["channel": "sms", "to": "+14155550100", "text": "early"])
            let message = try await herald.waitForFinal(id)
            #expect(message["status"] as? String == "DELIVERED")
            let delivered = Self.events(message, "DELIVERED")
            #expect(delivered.filter { $0["effect"] as? String == "applied" }.count == 1)
            #expect(delivered.count == 1, "the duplicate is recorded once")
            // SENT after DELIVERED is kept but changes nothing.
            #expect(Self.events(message, "SENT").allSatisfy { $0["effect"] as? String == "ignored_weaker" })
        }
    }

    @Test func forgedCallbacksAreRefusedAndChangeNothing() async throws {
        try await ProviderHarness.run { herald in
            let id = try await herald.send(["channel": "sms", "to": "+14155550100", "text": "hi"])
            let message = try await herald.waitForFinal(id)
            let sid = try #require(Self.events(message, "ACCEPTED").first?["provider_message_id"] as? String)
            let status = herald.baseURL.appendingPathComponent("v1/providers/tw/status")
            let form = "AccountSid=\(ProviderHarness.accountSID)&MessageSid=\(sid)&MessageStatus=undelivered&ErrorCode=30003"
            let unsigned = try await herald.request("POST", status, form: form, authorized: false)
            #expect(unsigned.status == 401)
            #expect((unsigned.json["detail"] as? String)?.contains("X-Twilio-Signature") == true)
            let forged = try await herald.request("POST", status, form: form, headers: ["X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"], authorized: false)
            #expect(forged.status == 403)
            let unknown = try await herald.request("POST", herald.baseURL.appendingPathComponent("v1/providers/nobody/status"), form: form, authorized: false)
            #expect(unknown.status == 404)
            let after = try await herald.request("GET", herald.baseURL.appendingPathComponent("v1/messages/\(id)"))
            #expect(after.json["status"] as? String == "DELIVERED")
            #expect(herald.intake.counts(connector: "tw").refused == 2)
        }
    }

    @Test func throttledOnceIsDeferredThenSent() async throws {
        try await ProviderHarness.run { herald in
            let id = try await herald.send(["channel": "sms", "to": "+14155550429", "text": "busy"])
            let message = try await herald.waitForFinal(id)
            #expect(message["status"] as? String == "DELIVERED")
            let deferred = try #require(Self.events(message, "DEFERRED").first)
            #expect((deferred["reason"] as? [String: Any])?["code"] as? String == "THROTTLED")
            #expect((deferred["provider"] as? [String: Any])?["error_code"] as? String == "20429")
        }
    }

    @Test func anInboundMessageSentAgainIsStoredAndLinkedOnce() async throws {
        try await ProviderHarness.run { herald in
            let first = try await herald.send(["channel": "sms", "to": "+14155550778", "text": "hello"])
            _ = try await herald.waitForFinal(first)
            let url = herald.baseURL.appendingPathComponent("v1/providers/tw/inbound")
            let parameters: [ProviderCallback.Parameter] = [
                .init("AccountSid", ProviderHarness.accountSID), .init("Body", "Thanks"), .init("From", "+14155550778"),
                .init("MessageSid", "SM00000000000000000000000000000077"), .init("To", "+15005550006"),
            ]
            let signature = TwilioSignature.sign(url: url.absoluteString, parameters: parameters, authToken: ProviderHarness.authToken)
            for _ in 0..<2 {
                let reply = try await herald.request("POST", url, form: FormURLEncoding.encode(parameters), headers: ["X-Twilio-Signature": signature],
                                                     authorized: false)
                #expect(reply.status == 200)
            }
            let inbound = try await herald.request("GET", herald.baseURL.appendingPathComponent("v1/inbound"))
            #expect((inbound.json["data"] as? [[String: Any]])?.count == 1)
            let message = try await herald.request("GET", herald.baseURL.appendingPathComponent("v1/messages/\(first)")).json
            #expect(message.timeline.filter { $0["event"] as? String == "REPLIED" }.count == 1)
            #expect(try await herald.store.providerWebhooks(connector: "tw", limit: 100).filter { $0.kind == "inbound" }.count == 2, "both copies kept raw")
        }
    }

    @Test func inboundStopOptsTheSubscriberOut() async throws {
        try await ProviderHarness.run { herald in
            let first = try await herald.send(["channel": "sms", "to": "+14155550777", "text": "hello"])
            _ = try await herald.waitForFinal(first)
            let posted = try await herald.request("POST", herald.fakeURL.appendingPathComponent("fake/inbound"),
                                                  form: "From=%2B14155550777&To=%2B15005550006&Body=STOP", authorized: false)
            #expect(posted.json["delivered_status"] as? String == "200")
            let inbound = try await herald.request("GET", herald.baseURL.appendingPathComponent("v1/inbound"))
            let messages = inbound.json["data"] as? [[String: Any]] ?? []
            #expect(messages.first?["text"] as? String == "STOP")
            #expect(messages.first?["in_reply_to"] as? String == first)
            let second = try await herald.send(["channel": "sms", "to": "+14155550777", "from": "+15005550006", "text": "again"])
            let refused = try await herald.waitForFinal(second)
            #expect(refused["status"] as? String == "UNSUBSCRIBED")
        }
    }
}
