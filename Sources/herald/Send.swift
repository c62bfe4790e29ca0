import ArgumentParser
import Foundation
import HeraldCore
import HeraldEngine
import Logging

struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Queue one message: through a running 'herald serve' (--url, --key) or in its database (--database).",
        discussion: "Exit codes: 0 queued (or scheduled), 2 stored as REJECTED, 64 invalid input, 69 no database or server, 77 key refused."
    )

    @Option(help: "sms, email or chat.") var channel: String = "sms"
    @Option(help: "Recipient: E.164 number or e-mail address.") var to: String
    @Option(help: "Sender id or address.") var from: String?
    @Option(help: "E-mail subject.") var subject: String?
    @Option(help: "Message text (or --template).") var text: String?
    @Option(help: "Name of an account template to render instead of --text.") var template: String?
    @Option(name: .customLong("var"), help: "Template variable NAME=VALUE (repeatable).") var variables: [String] = []
    @Option(help: "transactional or promotional (promotional obeys the DND list and quiet hours).") var category: String = "transactional"
    @Option(help: "Campaign tag.") var tag: String?
    @Option(help: "Account name (with --database; with --url the key names the account).") var account: String = "demo"
    @OptionGroup var database: TargetOptions

    func run() async throws {
        guard let messageCategory = MessageCategory(rawValue: category), messageCategory != .keywordReply else {
            throw ValidationError("--category must be transactional or promotional")
        }
        var values: [String: String] = [:]
        for pair in variables {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else { throw ValidationError("--var '\(pair)' is not NAME=VALUE") }
            values[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        if (text == nil) == (template == nil) { throw ValidationError("give either --text or --template") }
        let request = SendRequest(channel: channel, to: to, from: from, subject: subject, text: text, tag: tag, category: messageCategory,
                                  template: template, variables: values)
        if let server = database.server {
            var body: [String: Any] = ["channel": channel, "to": to, "category": messageCategory.rawValue]
            body["from"] = from
            body["subject"] = subject
            body["text"] = text
            body["template"] = template
            body["tag"] = tag
            if !values.isEmpty { body["variables"] = values }
            let message = try await server.send(.POST, "/v1/messages", json: body).object()
            let status = message["status"] as? String ?? "?"
            let reason = message["reason"] as? [String: Any]
            print("\(message["id"] as? String ?? "?") \(status)\(reason.map { " \($0["code"] as? String ?? ""): \($0["meaning"] as? String ?? "")" } ?? "")")
            if let explanation = message["explanation"] as? String { print("  \(explanation)") }
            if status == MessageStatus.rejected.rawValue { throw ExitCode(2) }
            return
        }
        let accountName = account
        let result = try await database.withStore(label: "herald.send") { store in
            let account = try await store.ensureAccount(named: accountName)
            return try await Gateway(store: store).send([request], accountID: account.id, settings: account.settings)
        }
        switch result {
        case .failure(let error):
            FileHandle.standardError.write(Data("error: \(error.field): \(error.problem). Fix: \(error.fix)\n".utf8))
            throw ExitCode(64)
        case .success(let accepted):
            guard let message = accepted.first?.message else { return }
            let status = message.draft.initialStatus
            print("\(message.id) \(status.rawValue)\(message.draft.rejection.map { " \($0.rawValue): \($0.info.meaning)" } ?? "")")
            if let detail = message.draft.initialDetail { print("  \(detail)") }
            if status == .rejected { throw ExitCode(2) }
        }
    }
}
