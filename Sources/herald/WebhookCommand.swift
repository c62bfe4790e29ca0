import ArgumentParser
import Foundation
import HeraldWebhooks

/// `herald webhook verify`: checks a callback's `Herald-Signature` the way a receiver should.
struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "webhook", abstract: "Status-callback tools.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a callback's Herald-Signature header against its raw body and your endpoint's secret.",
            discussion: "Exit codes: 0 valid, 1 invalid (the reason on stderr), 64 bad options."
        )

        @Option(help: "The endpoint's secret (whsec_...).") var secret: String
        @Option(help: "The Herald-Signature header value (t=...,v1=...).") var signature: String
        @Option(help: "File with the raw request body ('-' for stdin).") var bodyFile: String
        @Option(help: "Largest accepted distance between the signature's timestamp and now, in seconds.") var tolerance: Double = 300

        func run() async throws {
            let body: Data
            if bodyFile == "-" {
                body = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let data = FileManager.default.contents(atPath: bodyFile) else { throw ValidationError("--body-file '\(bodyFile)' cannot be read") }
                body = data
            }
            if let failure = WebhookSignature.verify(header: signature, body: body, secret: secret, now: Date(), tolerance: tolerance) {
                FileHandle.standardError.write(Data("invalid: \(failure)\n".utf8))
                throw ExitCode(1)
            }
            print("valid")
        }
    }
}
