import ArgumentParser
import Foundation
import HeraldCore
import HeraldStore
import Logging

/// `herald events`: an account's event feed, one line per event; `--follow` keeps reading as new events arrive.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print an account's event feed (cursor, time, message, event, reason); --follow waits for new ones.",
        discussion: "Resume with --after and the last cursor printed. Exit codes: 0 done, 64 bad option, 66 no such account."
    )

    @Option(help: "Account name.") var account: String = "demo"
    @Option(help: "Start after this cursor (as printed, e.g. 0_1234).") var after: String?
    @Flag(help: "Keep reading new events until interrupted.") var follow = false
    @OptionGroup var database: TargetOptions

    func run() async throws {
        var start = FeedCursor.start
        if let after {
            guard let cursor = FeedCursor(after) else { throw ValidationError("--after '\(after)' is not a cursor; use one printed by herald events, e.g. 0_1234") }
            start = cursor
        }
        let accountName = account, first = start
        if let server = database.server {
            try await printFeed(from: first.description) { cursor in
                let page = try await server.send(.GET, "/v1/events", query: [("cursor", cursor), ("limit", "500")]).object()
                let lines = (page["data"] as? [[String: Any]] ?? []).map { event in
                    Self.line(cursor: event["cursor"] as? String ?? "", occurredAt: event["occurred_at"] as? String ?? "",
                              messageID: event["message_id"] as? String ?? "", event: event["event"] as? String ?? "",
                              reason: (event["reason"] as? [String: Any])?["code"] as? String, source: event["source"] as? String ?? "")
                }
                return (lines, page["next_cursor"] as? String ?? cursor)
            }
            return
        }
        try await database.withAccount(accountName, label: "herald.events") { store, account in
            try await self.printFeed(from: first.description) { cursor in
                let page = try await store.feed(accountID: account.id, after: FeedCursor(cursor) ?? .start, limit: 500)
                let lines = page.map { item in
                    Self.line(cursor: item.cursor.description, occurredAt: Timestamp.format(item.event.occurredAt), messageID: item.event.messageID,
                              event: item.event.kind.rawValue, reason: item.event.effectiveReason?.rawValue, source: item.event.source.rawValue)
                }
                return (lines, page.last?.cursor.description ?? cursor)
            }
        }
    }

    /// Prints pages read by `page` (lines, and the cursor to read on from) until one is empty, or for ever with --follow.
    private func printFeed(from first: String, _ page: (String) async throws -> (lines: [String], next: String)) async throws {
        var cursor = first
        while !Task.isCancelled {
            let (lines, next) = try await page(cursor)
            // Written at once, unbuffered, so a pipe sees each page as it comes.
            if !lines.isEmpty { FileHandle.standardOutput.write(Data(lines.map { $0 + "\n" }.joined().utf8)) }
            cursor = next
            if lines.isEmpty {
                guard follow else { return }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// One event as a line: cursor, time, message, event, reason (when there is one), source.
    static func line(cursor: String, occurredAt: String, messageID: String, event: String, reason: String?, source: String) -> String {
        "\(cursor) \(occurredAt) \(messageID) \(event)\(reason.map { " \($0)" } ?? "") \(source)"
    }
}
