import Foundation
import HeraldConnectors
import HeraldCore
@testable import HeraldSMPP
import SMPP
import Testing

@Suite("submit_sm answers")
struct SubmitClassificationTests {
    static let submission = Submission(messageID: "msg_1", part: 0, partCount: 1, channel: .sms, to: "+447400123001", from: nil, subject: nil,
                                       text: "hi", attempt: 1, validUntil: Date(timeIntervalSince1970: 2_000_000_000))

    @Test("generic_nack with status 0 is a failed submit, not an acceptance; a throttling one is temporary")
    func genericNack() {
        let nack = SMPPPDU.genericNack(status: .ok, sequenceNumber: 3)
        guard case .permanentFailure(let reason, let detail) = SMPPConnector.classify(nack, submission: Self.submission, idFormat: .auto) else {
            Issue.record("generic_nack ESME_ROK was taken as accepted")
            return
        }
        #expect(reason == .providerRejected)
        #expect(detail?.text?.contains("generic_nack") == true)
        let throttled = SMPPPDU.genericNack(status: .throttled, sequenceNumber: 4)
        #expect(SMPPConnector.classify(throttled, submission: Self.submission, idFormat: .auto)
            == .temporaryFailure(.throttled, detail: ProviderDetail(status: SMPPCommandStatus.throttled.description, errorCode: "0x58")))
        let ok = SMPPPDU(commandID: .submitSMResp, status: .ok, sequenceNumber: 5, body: .messageID("00AB12", tlvs: []))
        #expect(SMPPConnector.classify(ok, submission: Self.submission, idFormat: .auto) == .accepted(providerMessageID: "ab12", detail: ProviderDetail(status: "ESME_ROK")))
    }
}
