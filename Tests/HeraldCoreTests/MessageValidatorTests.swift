import Foundation
import HeraldCore
import Testing

@Suite("Validation of send requests")
struct MessageValidatorTests {
    let validator = MessageValidator()

    func draft(_ request: SendRequest) throws -> MessageDraft {
        try validator.validate(request).get()
    }

    func error(_ request: SendRequest) -> FieldError? {
        if case .failure(let error) = validator.validate(request) { return error }
        return nil
    }

    @Test("a valid SMS is queued with its recipient in E.164")
    func validSMS() throws {
        let message = try draft(SendRequest(channel: "sms", to: "+1 (415) 555-0100", text: "Your code is 123456"))
        #expect(message.to == "+14155550100")
        #expect(message.initialStatus == .queued)
        #expect(message.segments == 1)
        #expect(message.encoding == "GSM-7")
        #expect(try draft(SendRequest(channel: "sms", to: "0044 20 7946 0958", text: "x")).to == "+442079460958")
    }

    @Test("an empty or malformed recipient is stored as REJECTED with its reason", arguments: [
        ("", ReasonCode.emptyRecipient), ("   ", .emptyRecipient), ("hello", .invalidNumber), ("+12", .invalidNumber),
        ("4155550100", .invalidNumber), ("+0123456789", .invalidNumber), ("+1415555010012345", .invalidNumber),
    ])
    func rejectedRecipients(to: String, reason: ReasonCode) throws {
        let message = try draft(SendRequest(channel: "sms", to: to, text: "hi"))
        #expect(message.rejection == reason)
        #expect(message.initialStatus == .rejected)
    }

    @Test("malformed requests are refused naming the field and the fix")
    func refused() {
        #expect(error(SendRequest(channel: "fax", to: "+14155550100", text: "x"))?.field == "channel")
        #expect(error(SendRequest(channel: nil, to: "+14155550100", text: "x"))?.field == "channel")
        #expect(error(SendRequest(channel: "sms", to: nil, text: "x"))?.field == "to")
        #expect(error(SendRequest(channel: "sms", to: "+14155550100", text: ""))?.field == "text")
        #expect(error(SendRequest(channel: "email", to: "a@b.co", text: "x"))?.field == "subject")
        let tooLong = error(SendRequest(channel: "sms", to: "+14155550100", text: String(repeating: "a", count: 1531)))
        #expect(tooLong?.field == "text")
        #expect(tooLong?.fix.contains("10 segments") == true)
        #expect(error(SendRequest(channel: "sms", to: "+14155550100", text: String(repeating: "a", count: 1530))) == nil)
    }

    @Test("e-mail addresses are checked and their domain lower-cased")
    func email() throws {
        #expect(try draft(SendRequest(channel: "email", to: "Ann@Example.COM", subject: "Hi", text: "x")).to == "Ann@example.com")
        #expect(try draft(SendRequest(channel: "email", to: "not-an-address", subject: "Hi", text: "x")).rejection == .invalidAddress)
    }

    @Test("e-mail headers are allow-listed and one line each; attachments need a name, a media type and base64; over 5 MiB is too large; e-mail only")
    func messageOptions() throws {
        func check(_ options: MessageOptions, channel: String = "email") -> FieldError? {
            var request = SendRequest(channel: channel, to: channel == "email" ? "a@b.co" : "+14155550100", subject: "Hi", text: "x")
            request.messageOptions = options
            return error(request)
        }
        #expect(check(MessageOptions(headers: ["X-Campaign": "winter", "List-Id": "<news.acme.test>"])) == nil)
        #expect(check(MessageOptions(headers: ["Bcc": "spy@evil.test"]))?.field == "headers.Bcc")
        #expect(check(MessageOptions(headers: ["X-Herald-Message-Id": "msg_1"]))?.field == "headers.X-Herald-Message-Id")
        #expect(check(MessageOptions(headers: ["X-Note": "a\r\nBcc: spy@evil.test"]))?.field == "headers.X-Note")
        #expect(check(MessageOptions(headers: ["X Bad": "v"]))?.field == "headers.X Bad")
        let pdf = MessageOptions.Attachment(filename: "invoice.pdf", contentType: "application/pdf", content: "JVBERi0xLjQK")
        #expect(check(MessageOptions(attachments: [pdf])) == nil)
        var badName = pdf
        badName.filename = "../etc/passwd"
        #expect(check(MessageOptions(attachments: [badName]))?.field == "attachments[0].filename")
        var badType = pdf
        badType.contentType = "pdf"
        #expect(check(MessageOptions(attachments: [badType]))?.field == "attachments[0].content_type")
        for content in ["not base64!", "JVBERi0xLjQ", "JV=BERi0xLjQK", ""] {
            var badContent = pdf
            badContent.content = content
            #expect(check(MessageOptions(attachments: [badContent]))?.field == "attachments[0].content", "\(content)")
        }
        var big = pdf
        big.content = String(repeating: "AAAA", count: MessageOptions.maximumAttachmentBytes / 3 + 1)
        let tooLarge = try #require(check(MessageOptions(attachments: [big])))
        #expect(tooLarge.field == "attachments")
        #expect(tooLarge.isTooLarge)
        #expect(check(MessageOptions(headers: ["X-A": "b"]), channel: "sms")?.field == "headers")
        #expect(check(MessageOptions(trackOpens: true), channel: "sms")?.field == "track_opens")
    }

    @Test("html and reply_to are for e-mail; reply_to must be one address; an e-mail may carry only HTML")
    func emailContent() throws {
        var sms = SendRequest(channel: "sms", to: "+14155550100", text: "x")
        sms.html = "<p>x</p>"
        #expect(error(sms)?.field == "html")
        var badReply = SendRequest(channel: "email", to: "a@b.co", subject: "Hi", text: "x")
        badReply.replyTo = "not an address"
        #expect(error(badReply)?.field == "reply_to")
        var htmlOnly = SendRequest(channel: "email", to: "a@b.co", subject: "Hi", text: nil)
        htmlOnly.html = "<p>Hi</p>"
        htmlOnly.replyTo = "Support@Acme.COM"
        let draft = try draft(htmlOnly)
        #expect(draft.html == "<p>Hi</p>")
        #expect(draft.replyTo == "Support@acme.com")
    }

    @Test("a line break in a value that becomes a mail header is refused naming the field (header injection)")
    func headerInjection() {
        #expect(error(SendRequest(channel: "email", to: "a@b.co", subject: "Hi\r\nBcc: victim@x.co", text: "x"))?.field == "subject")
        #expect(error(SendRequest(channel: "email", to: "a@b.co", from: "Acme <a@b.co>\nBcc: v@x.co", subject: "Hi", text: "x"))?.field == "from")
        #expect(error(SendRequest(channel: "email", to: "a@b.co", from: "Acme <a@b.co>", subject: "Hi", text: "line one\nline two")) == nil)
    }

    @Test("send_at makes a message SCHEDULED")
    func scheduled() throws {
        #expect(try draft(SendRequest(channel: "sms", to: "+14155550100", text: "x", sendAt: Date().addingTimeInterval(3600))).initialStatus == .scheduled)
    }
}
