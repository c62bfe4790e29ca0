import ArgumentParser
import Foundation
import HeraldCore
import HeraldStore
import Logging

struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cancel a SCHEDULED, QUEUED or DEFERRED message no provider has taken.",
        discussion: "Exit code 1 when the message does not exist, 3 when it can no longer be canceled."
    )

    @Argument(help: "Message id (msg_...).") var id: String
    @Option(help: "Account name.") var account: String = "demo"
    @OptionGroup var database: TargetOptions

    func run() async throws {
        if let server = database.server {
            let message = try await server.send(.POST, "/v1/messages/\(id)/cancel").object()
            print("\(id) \(message["status"] as? String ?? "CANCELED")")
            return
        }
        let accountName = account
        let messageID = id
        let outcome = try await database.withStore(label: "herald.cancel") { store -> CancelOutcome in
            guard let account = try await store.account(named: accountName) else { return .notFound }
            return try await store.cancel(messageID: messageID, accountID: account.id, now: Date())
        }
        switch outcome {
        case .canceled:
            print("\(id) CANCELED")
        case .notFound:
            FileHandle.standardError.write(Data("error: no message '\(id)' in account '\(account)'\n".utf8))
            throw ExitCode(1)
        case .notCancelable(let status):
            FileHandle.standardError.write(Data("error: \(id) is \(status.rawValue) (\(status.meaning)); only SCHEDULED, QUEUED or DEFERRED messages no provider has taken can be canceled\n".utf8))
            throw ExitCode(3)
        }
    }
}
