import AsyncHTTPClient
import Foundation
import HeraldConnectors
import HeraldCore
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// What every HTTP provider connector keeps between requests: whether it is usable now, the last error, and which
/// unknown codes it has logged (each once).
final class ProviderState: Sendable {
    private struct State {
        var downUntil: Date?
        var lastError: String?
        var sent = 0
        var logged: Set<String> = []
    }

    /// How long a connector counts as down after its provider could not be reached or refused the credentials.
    static let downFor: TimeInterval = 5

    private let state = Mutex(State())
    let connector: String
    let provider: String
    let clock: any WallClock
    let logger: Logger

    init(connector: String, provider: String, clock: any WallClock, logger: Logger) {
        self.connector = connector
        self.provider = provider
        self.clock = clock
        self.logger = logger
    }

    var isUp: Bool { state.withLock { state in state.downUntil.map { clock.now() >= $0 } ?? true } }

    /// `where`: the provider's address and account, for operators.
    func health(type: String, channels: [String], where place: String) -> ConnectorHealth {
        let (up, detail) = state.withLock { state -> (Bool, String) in
            (state.downUntil.map { clock.now() >= $0 } ?? true, "\(place), \(state.sent) sent" + (state.lastError.map { "; last error: \($0)" } ?? ""))
        }
        return ConnectorHealth(name: connector, type: type, channels: channels, isUp: up, detail: detail)
    }

    func taken(count: Int = 1) {
        state.withLock {
            $0.sent += count
            $0.downUntil = nil
        }
    }

    func failed(_ why: String) { state.withLock { $0.lastError = why } }

    func markDown(_ why: String) {
        state.withLock {
            $0.downUntil = clock.now().addingTimeInterval(Self.downFor)
            $0.lastError = why
        }
        logger.error("\(provider) connector unavailable", metadata: ["connector": "\(connector)", "why": "\(why)"])
    }

    /// Logs an unknown status word or error code the first time it is seen.
    func logUnknown(_ what: String, _ text: String) {
        guard state.withLock({ $0.logged.insert(what).inserted }) else { return }
        logger.warning("\(provider) sent an unknown \(what); kept raw, mapped to UNKNOWN_PROVIDER_CODE or no change",
                       metadata: ["connector": "\(connector)", "text": "\(LogText.escaped(text))"])
    }

    /// Sends one request to the provider and turns its answer into Herald's words with `answer`; a request that got no
    /// answer is ``noAnswer(_:baseURL:)``.
    func send(_ request: HTTPClientRequest, with client: HTTPClient, timeout: Duration, baseURL: String,
              answer: (_ status: Int, _ body: [UInt8]) -> SubmitResult) async -> SubmitResult {
        let status: Int, body: ByteBuffer
        do {
            let response = try await client.execute(request, timeout: .init(timeout))
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            return noAnswer(error, baseURL: baseURL)
        }
        return answer(status, Array(buffer: body))
    }

    /// A request that got no answer: not connected means nothing was sent (the message waits or fails over); a timeout
    /// after sending may have reached the provider (retried as a temporary failure, which may send it twice).
    func noAnswer(_ error: any Error, baseURL: String) -> SubmitResult {
        let text = "\(error)"
        let notConnected = error is NIOConnectionError || (error as? HTTPClientError) == .connectTimeout
            || (error as? IOError).map { [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains($0.errnoCode) } == true
            || text.contains("connectTimeout") || text.contains("Connection refused")
        if notConnected {
            markDown("cannot connect to \(baseURL): \(text)")
            return .unavailable(detail: ProviderDetail(text: "cannot connect to \(provider) at \(baseURL): \(text)"))
        }
        failed(text)
        return .temporaryFailure(.providerUnavailable, detail: ProviderDetail(text: "no answer from \(provider): \(text)"))
    }
}
