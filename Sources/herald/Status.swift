import ArgumentParser
import Foundation
import HeraldCore
import HeraldStore
import Logging

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a message's status, reason and timeline.", discussion: "Exit code 1 when the message does not exist.")

    @Argument(help: "Message id (msg_...).") var id: String
    @Option(help: "Account name.") var account: String = "demo"
    @OptionGroup var database: TargetOptions

    func run() async throws {
        if let server = database.server {
            let message = try await server.send(.GET, "/v1/messages/\(id)").object()
            print(RemoteStatusReport(message: message).text)
            return
        }
        let accountName = account
        let messageID = id
        let found = try await database.withStore(label: "herald.status") { store -> (MessageRecord, [StatusEvent])? in
            guard let account = try await store.account(named: accountName) else { return nil }
            return try await store.messageWithEvents(id: messageID, accountID: account.id)
        }
        guard let (message, events) = found else {
            FileHandle.standardError.write(Data("error: no message '\(id)' in account '\(account)'\n".utf8))
            throw ExitCode(1)
        }
        print(StatusReport(message: message, events: events).text)
    }
}

/// A readable rendering of one message for the terminal.
struct StatusReport {
    let message: MessageRecord
    let events: [StatusEvent]

    var text: String {
        var lines: [String] = []
        lines.append("\(message.id)  \(message.channel.rawValue) to \(message.to)")
        var status = "status   \(message.status.rawValue)"
        if let reason = message.reason {
            status += "  \(reason.rawValue): \(reason.info.meaning) (what to do: \(reason.info.resolution))"
        }
        lines.append(status)
        lines.append("parts    \(message.segments)\(message.encoding.map { " (\($0))" } ?? "")   cost \(PriceTable.decimal(message.costMicros))\(message.hasConflict ? "   CONFLICTING RECEIPTS" : "")")
        lines.append("timeline")
        for event in events {
            var line = "  \(Timestamp.format(event.occurredAt))  \(event.kind.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)) \(event.source.rawValue)"
            if let part = event.part { line += " part \(part)" }
            if let reason = event.effectiveReason, event.kind != .status(.delivered) { line += "  \(reason.rawValue)" }
            if let connector = event.connector { line += "  via \(connector)" }
            if let next = event.nextAttemptAt { line += "  next attempt \(Timestamp.format(next))" }
            if let raw = event.detail?.status { line += "  [\(raw)\(event.detail?.errorCode.map { " err \($0)" } ?? "")]" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
