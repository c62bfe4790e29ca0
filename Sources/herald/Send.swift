import ArgumentParser
import Foundation
import HeraldCore
import HeraldEngine
import Logging

struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Queue one message in the database; a running 'herald serve' on the same database sends it.",
        discussion: "Exit codes: 0 queued (or scheduled), 2 stored as REJECTED, 64 invalid input."
    )

    @Option(help: "sms, email or chat.") var channel: String = "sms"
    @Option(help: "Recipient: E.164 number or e-mail address.") var to: String
    @Option(help: "Sender id or address.") var from: String?
    @Option(help: "E-mail subject.") var subject: String?
    @Option(help: "Message text.") var text: String
    @Option(help: "Campaign tag.") var tag: String?
    @Option(help: "Account name.") var account: String = "demo"
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let request = SendRequest(channel: channel, to: to, from: from, subject: subject, text: text, tag: tag)
        let accountName = account
        let result = try await StoreURL.with(database.database, logger: Logger(label: "herald.send")) { store in
            let account = try await store.ensureAccount(named: accountName)
            return try await Gateway(store: store).send([request], accountID: account.id)
        }
        switch result {
        case .failure(let error):
            FileHandle.standardError.write(Data("error: \(error.field): \(error.problem). Fix: \(error.fix)\n".utf8))
            throw ExitCode(64)
        case .success(let accepted):
            guard let message = accepted.first?.message else { return }
            let status = message.draft.initialStatus
            print("\(message.id) \(status.rawValue)\(message.draft.rejection.map { " \($0.rawValue): \($0.info.meaning)" } ?? "")")
            if status == .rejected { throw ExitCode(2) }
        }
    }
}
