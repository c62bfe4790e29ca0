import Crypto
import _CryptoExtras
import DKIM
import Foundation
import HeraldCore
@testable import HeraldSMTP
import SMTP
import Testing

/// DKIM signatures checked by an implementation nobody here wrote: dkimpy (PyPI, installed by scripts/install-deps.sh),
/// given the public key as its DNS answer.
@Suite("DKIM signing", .serialized)
struct DKIMTests {
    /// Whether dkimpy verifies `message` against the TXT record `record`; nil when dkimpy is not installed.
    static func dkimpy(_ message: String, record: String) throws -> Bool? {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("herald-dkim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = """
            import sys
            try:
                import dkim
            except ImportError:
                print("missing"); sys.exit(0)
            message = open(sys.argv[1], "rb").read()
            record = open(sys.argv[2], "rb").read()
            print("ok" if dkim.verify(message, dnsfunc=lambda name, timeout=5: record) else "fail")
            """
        try script.write(to: folder.appendingPathComponent("verify.py"), atomically: true, encoding: .utf8)
        try Data(message.utf8).write(to: folder.appendingPathComponent("message.eml"))
        try Data(record.utf8).write(to: folder.appendingPathComponent("record.txt"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", folder.appendingPathComponent("verify.py").path, folder.appendingPathComponent("message.eml").path,
                             folder.appendingPathComponent("record.txt").path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        let answer = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if answer == "missing" {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("dkimpy is not installed: scripts/install-deps.sh installs it") }
            return nil
        }
        return answer == "ok"
    }

    static func message() -> String {
        var message = MIMEMessage(from: "Acme <no-reply@acme.test>", to: "ann@example.com", subject: "Grüße aus dem Büro, eine etwas längere Betreffzeile zum Falten",
                                  text: "Hello  there \t\nSecond line   \n\n\n", html: "<p>Hello</p>", messageID: "msg_1.1@bounce.test",
                                  date: "Fri, 04 Dec 2026 10:00:00 +0000", headers: [("List-Unsubscribe", "<https://herald.test/t/u/x>")])
        message.attachments = [.init(filename: "a.txt", contentType: "text/plain", base64: "SGVsbG8=")]
        return message.rendered(boundary: "b1")
    }

    @Test("relaxed canonicalization as in RFC 6376 section 3.4.6")
    func canonicalization() {
        let message = Array("A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n".utf8)
        let (fields, body) = DKIMCanonicalization.split(message)
        #expect(fields.flatMap(DKIMCanonicalization.relaxedHeader) == Array("a:X\r\nb:Y Z\r\n".utf8))
        #expect(DKIMCanonicalization.relaxedBody(body) == Array(" C\r\nD E\r\n".utf8))
        #expect(DKIMCanonicalization.relaxedBody([]) == [])
    }

    @Test("rsa-sha256 and ed25519-sha256 signatures verify with dkimpy; a changed body does not")
    func verifies() throws {
        let signers = [
            DKIMSigner(domain: "acme.test", selector: "rsa1", key: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))),
            DKIMSigner(domain: "acme.test", selector: "ed1", key: .ed25519(Curve25519.Signing.PrivateKey())),
        ]
        for signer in signers {
            let signed = try signer.signed(Self.message(), timestamp: 1_796_378_400)
            #expect(signed.hasPrefix("DKIM-Signature: v=1; a=\(signer.selector == "rsa1" ? "rsa-sha256" : "ed25519-sha256"); c=relaxed/relaxed; d=acme.test; s=\(signer.selector); "))
            #expect(signed.contains("h=from:to:subject:date:message-id:mime-version:content-type:list-unsubscribe;"))
            guard let verified = try Self.dkimpy(signed, record: signer.dnsRecord) else { continue }
            #expect(verified, "\(signer.selector)")
            let tampered = signed.replacingOccurrences(of: "Second line", with: "Second  lime")
            #expect(try Self.dkimpy(tampered, record: signer.dnsRecord) == false, "\(signer.selector)")
        }
    }

    @Test("keys are read from PEM (RSA PKCS#1 and PKCS#8, Ed25519 PKCS#8); anything else is refused")
    func pem() throws {
        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        #expect(try DKIMSigner(domain: "acme.test", selector: "s", pem: rsa.pemRepresentation).dnsRecord.hasPrefix("v=DKIM1; k=rsa; p="))
        let ed = Curve25519.Signing.PrivateKey()
        let der = Data([0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]) + ed.rawRepresentation
        let pem = "-----BEGIN PRIVATE KEY-----\n\(der.base64EncodedString())\n-----END PRIVATE KEY-----\n"
        #expect(try DKIMSigner(domain: "acme.test", selector: "s", pem: pem).dnsRecord == "v=DKIM1; k=ed25519; p=\(ed.publicKey.rawRepresentation.base64EncodedString())")
        #expect(throws: DKIMError.self) { try DKIMSigner(domain: "acme.test", selector: "s", pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") }
    }

    @Test("the signer is chosen by the From domain or its nearest parent; other domains are not signed")
    func choice() {
        let key = DKIMSigner.Key.ed25519(Curve25519.Signing.PrivateKey())
        let signers = [DKIMSigner(domain: "acme.test", selector: "a", key: key), DKIMSigner(domain: "mail.acme.test", selector: "b", key: key)]
        #expect(SMTPConnector.signer(for: "Acme <no-reply@mail.acme.test>", among: signers)?.selector == "b")
        #expect(SMTPConnector.signer(for: "news@eu.acme.test", among: signers)?.selector == "a")
        #expect(SMTPConnector.signer(for: "x@notacme.test", among: signers) == nil)
    }
}

extension SMTPConnectorTests {
    @Test("with a DKIM key for the From domain, the e-mail reaches the relay signed, and dkimpy verifies it as taken")
    func dkimOnTheWire() async throws {
        let signer = DKIMSigner(domain: "acme.test", selector: "herald1", key: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048)))
        try await Self.run(publicURL: "https://herald.test", configure: { $0.dkim = [signer] }) { harness in
            let id = try await harness.send(to: "ann@example.com", subject: "Grüße", text: ".leading dot\nline", html: "<p>Hi</p>")
            _ = try await harness.settle(id) { $0.status == .sent }
            let data = try #require(harness.sink.messages.last?.data)
            #expect(data.hasPrefix("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=acme.test; s=herald1; "))
            // The sink joins lines with CRLF and drops the last one's: DATA ended with CRLF.
            if let verified = try DKIMTests.dkimpy(data + "\r\n", record: signer.dnsRecord) { #expect(verified) }
        }
    }
}
