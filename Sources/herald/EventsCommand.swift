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
        let accountName = account, keepFollowing = follow, first = start
        if let server = database.server {
            var cursor = first.description
            while !Task.isCancelled {
                let page = try await server.send(.GET, "/v1/events", query: [("cursor", cursor), ("limit", "500")]).object()
                let events = page["data"] as? [[String: Any]] ?? []
                var lines = ""
                for event in events {
                    let reason = ((event["reason"] as? [String: Any])?["code"] as? String).map { " \($0)" } ?? ""
                    lines += "\(event["cursor"] as? String ?? "") \(event["occurred_at"] as? String ?? "") \(event["message_id"] as? String ?? "") \(event["event"] as? String ?? "")\(reason) \(event["source"] as? String ?? "")\n"
                }
                if !lines.isEmpty { FileHandle.standardOutput.write(Data(lines.utf8)) }
                cursor = page["next_cursor"] as? String ?? cursor
                if events.isEmpty {
                    guard keepFollowing else { return }
                    try await Task.sleep(for: .milliseconds(500))
                }
            }
            return
        }
        try await database.withAccount(accountName, label: "herald.events") { store, account in
            var cursor = first
            while !Task.isCancelled {
                let page = try await store.feed(accountID: account.id, after: cursor, limit: 500)
                var lines = ""
                for item in page {
                    let event = item.event
                    let reason = event.effectiveReason.map { " \($0.rawValue)" } ?? ""
                    lines += "\(item.cursor) \(Timestamp.format(event.occurredAt)) \(event.messageID) \(event.kind.rawValue)\(reason) \(event.source.rawValue)\n"
                }
                // Written at once, unbuffered, so a pipe sees each page as it comes.
                if !lines.isEmpty { FileHandle.standardOutput.write(Data(lines.utf8)) }
                cursor = page.last?.cursor ?? cursor
                if page.isEmpty {
                    guard keepFollowing else { return }
                    try await Task.sleep(for: .milliseconds(500))
                }
            }
        }
    }
}
