import Foundation
import HeraldCore
import HeraldStore
import HeraldWebhooks
import Testing

@Suite("Webhook signatures, addresses and schedule")
struct WebhookUnitTests {
    @Test("a signature verifies with its body and secret, and not with another body, secret or a stale timestamp")
    func signatures() {
        let body = Array(#"{"id":"evt_1","status":"DELIVERED"}"#.utf8)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let header = WebhookSignature.sign(body: body, secret: "whsec_test_secret_123", timestamp: 1_800_000_000)
        #expect(header.hasPrefix("t=1800000000,v1="))
        #expect(header.count == "t=1800000000,v1=".count + 64)
        #expect(WebhookSignature.verify(header: header, body: body, secret: "whsec_test_secret_123", now: now)  == nil)
        #expect(WebhookSignature.verify(header: header, body: Array("{}".utf8), secret: "whsec_test_secret_123", now: now) == .mismatch)
        #expect(WebhookSignature.verify(header: header, body: body, secret: "whsec_other_secret_12", now: now) == .mismatch)
        #expect(WebhookSignature.verify(header: header, body: body, secret: "whsec_test_secret_123", now: now.addingTimeInterval(600)) == .stale(seconds: 600))
        #expect(WebhookSignature.verify(header: "v1=abc", body: body, secret: "x", now: now) == .malformed)
    }

    @Test("private, loopback, link-local and metadata addresses are internal; public ones are not")
    func addresses() {
        for address in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1",
                         "::ffff:127.0.0.1", "224.0.0.1", "not-an-address"] {
            #expect(AddressPolicy.isInternal(address), "\(address)")
        }
        for external in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "172.32.0.1"] {
            #expect(!AddressPolicy.isInternal(external), "\(external)")
        }
        // IPv6 forms that carry an IPv4 address are judged as that address.
        for embedded in ["::ffff:127.0.0.1", "::ffff:0:10.0.0.1", "::127.0.0.1", "::169.254.169.254", "64:ff9b::7f00:1", "64:ff9b::192.168.0.1",
                         "64:ff9b:1::a00:1", "2002:7f00:1::", "2002:a9fe:a9fe::1", "2001:0:4136:e378::1"] {
            #expect(AddressPolicy.isInternal(embedded), "\(embedded)")
        }
        for external in ["::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"] {
            #expect(!AddressPolicy.isInternal(external), "\(external)")
        }
        #expect(AddressPolicy(allowPrivate: true).allows("127.0.0.1"))
        #expect(!AddressPolicy(allowPrivate: false).allows("127.0.0.1"))
    }

    @Test("retries span more than 24 hours and then stop")
    func schedule() {
        let schedule = WebhookSchedule()
        #expect(schedule.span >= 24 * 3600)
        let now = Date()
        #expect(schedule.next(after: 1, now: now, random: 0) == now.addingTimeInterval(10))
        #expect(schedule.next(after: schedule.delays.count, now: now, random: 0) != nil)
        #expect(schedule.next(after: schedule.delays.count + 1, now: now) == nil)
    }
}

@Suite("Webhook payloads")
struct WebhookPayloadTests {
    @Test("the payload carries the status in the webhook's vocabulary, the canonical status, reason, sequence and provider detail")
    func payload() throws {
        let event = StatusEvent(id: "evt_1", messageID: "msg_1", part: 0, kind: .status(.undelivered), reason: .absentSubscriber, source: .receipt,
                                occurredAt: Date(timeIntervalSince1970: 1_800_000_000), connector: "carrier", providerMessageID: "P1",
                                detail: ProviderDetail(status: "UNDELIV", errorCode: "001"))
        let subject = CallbackSubject(accountID: "acc_1", to: "+14155550100", tag: "otp", campaignID: "cmp_1")
        let json = CallbackRouting.payload(event, sequence: 42, subject: subject, vocabulary: .smsto)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["status"] as? String == Vocabulary.smsto.word(for: .undelivered, reason: .absentSubscriber))
        #expect(object["canonical_status"] as? String == "UNDELIVERED")
        #expect(object["vocabulary"] as? String == "smsto")
        #expect(object["sequence"] as? Int == 42)
        #expect((object["reason"] as? [String: Any])?["code"] as? String == "ABSENT_SUBSCRIBER")
        #expect((object["provider"] as? [String: Any])?["error_code"] as? String == "001")
        #expect(object["type"] as? String == "message.status")
        #expect(object["event"] as? String == "UNDELIVERED")
        #expect(object["to"] as? String == "+14155550100")
        #expect(object["tag"] as? String == "otp")
        #expect(object["campaign_id"] as? String == "cmp_1")
        #expect(object["explanation"] == nil)
    }

    @Test("a gate's explanation is its own field, never provider words")
    func explanation() throws {
        let event = StatusEvent(id: "evt_2", messageID: "msg_2", kind: .status(.rejected), reason: .invalidNumber, source: .policy,
                                occurredAt: Date(timeIntervalSince1970: 1_800_000_000), detail: ProviderDetail(text: "not a number in the GB numbering plan"))
        let json = CallbackRouting.payload(event, sequence: 7, subject: CallbackSubject(accountID: "acc_1", to: "+447700900123"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["explanation"] as? String == "not a number in the GB numbering plan")
        #expect(object["provider"] == nil)
        #expect(object["tag"] == nil)
    }
}

@Suite("Webhook signature rotation")
struct WebhookRotationSignatureTests {
    @Test("a signer with a previous secret adds its v1 until the grace ends; either secret verifies")
    func bothSecrets() {
        let body = Array("{\"id\":\"evt_1\"}".utf8)
        let until = Date(timeIntervalSince1970: 1_800_000_100)
        let signer = WebhookSignature.Signer(secret: "new-secret", previous: "old-secret", previousUntil: until)
        let during = signer.sign(body: body, timestamp: 1_800_000_000)
        #expect(during.components(separatedBy: ",v1=").count == 3)
        #expect(during.hasPrefix(WebhookSignature.sign(body: body, secret: "new-secret", timestamp: 1_800_000_000)), "the new secret's first")
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(WebhookSignature.verify(header: during, body: body, secret: "old-secret", now: at) == nil)
        #expect(WebhookSignature.verify(header: during, body: body, secret: "new-secret", now: at) == nil)
        #expect(WebhookSignature.verify(header: during, body: body, secret: "third-secret", now: at) == .mismatch)
        let after = signer.sign(body: body, timestamp: 1_800_000_100)
        #expect(after == WebhookSignature.sign(body: body, secret: "new-secret", timestamp: 1_800_000_100), "the old one stops at the end of the grace")
    }
}

