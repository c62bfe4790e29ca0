import ArgumentParser

@main
struct Herald: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald",
        abstract: "Herald: a self-hosted messaging gateway with delivery status tracking.",
        subcommands: [Serve.self, Send.self, Status.self, Cancel.self, Keys.self, AccountCommand.self, WebhookCommand.self, ExportCommand.self, EventsCommand.self, CampaignCommand.self, Migrate.self, SMSC.self, SMTPSinkCommand.self, FakeProviderCommand.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every command that touches the database shares.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "sqlite:PATH or postgres://user:password@host:port/database (env HERALD_DATABASE_URL).")
    var database: String = Environment.string("HERALD_DATABASE_URL") ?? "sqlite:herald.sqlite"
}

enum Environment {
    static func string(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    static func int(_ name: String) -> Int? { string(name).flatMap(Int.init) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

import Logging

enum LogSetup {
    /// Sends logs to stderr at `level`, as text or one JSON object per line (`format` json); a word that is not a level or
    /// a format is a usage error.
    static func bootstrap(_ level: String, format: String = "text") throws {
        guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
            throw ValidationError("--log-level '\(level)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        switch format {
        case "text":
            LoggingSystem.bootstrap { label in TextLogHandler(label: label, logLevel: parsed) }
        case "json":
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, logLevel: parsed) }
        default:
            throw ValidationError("--log-format '\(format)' is not text or json")
        }
    }
}
