import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A running `herald serve` reached over its JSON API (`--url`, `--key`): what the CLI commands do when they do not
/// open the database themselves. Errors are the server's problem+json, printed as the CLI prints its own
/// ("error: field: problem. Fix: ...") with the commands' exit codes.
struct RemoteAPI: Sendable {
    let base: String
    let key: String

    /// `http(s)://host[:port]` without a trailing slash, or nil.
    static func base(_ url: String) -> String? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
              parsed.host != nil else { return nil }
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    struct Reply: Sendable {
        var status: Int
        var body: Data

        /// The body as a JSON object.
        func object() throws -> [String: Any] {
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw RemoteAPI.failure("the server's answer is not a JSON object", code: 69)
            }
            return object
        }
    }

    /// Sends one request; a 4xx/5xx answer is printed and ends the command with the exit code `codes` gives its status
    /// (default: 1 not found, 3 conflict, 64 invalid, 77 not allowed, 69 anything else).
    func send(_ method: HTTPMethod, _ path: String, query: [(String, String?)] = [], json: Any? = nil, body: Data? = nil,
              contentType: String = "application/json", codes: [Int: Int32] = [:]) async throws -> Reply {
        var request = request(method, path, query: query)
        request.headers.add(name: "Accept", value: "application/json")
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
        } else if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(data: body))
        }
        let response: HTTPClientResponse
        let data: Data
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            data = Data(buffer: try await response.body.collect(upTo: 256 << 20))
        } catch {
            throw Self.failure("cannot reach \(base): \(error)", fix: "check --url (HERALD_URL) and that 'herald serve' is running", code: 69)
        }
        let status = Int(response.status.code)
        guard status >= 400 else { return Reply(status: status, body: data) }
        throw Self.problem(data, status: status, code: codes[status] ?? Self.exitCode(for: status))
    }

    /// Streams a response body to `write` (exports); errors as ``send``.
    func stream(_ path: String, query: [(String, String?)], to write: (ByteBuffer) throws -> Void) async throws {
        let request = request(.GET, path, query: query)
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(3600))
        } catch {
            throw Self.failure("cannot reach \(base): \(error)", fix: "check --url (HERALD_URL) and that 'herald serve' is running", code: 69)
        }
        let status = Int(response.status.code)
        if status >= 400 {
            throw Self.problem(Data(buffer: try await response.body.collect(upTo: 1 << 20)), status: status, code: Self.exitCode(for: status))
        }
        for try await chunk in response.body { try write(chunk) }
    }

    /// A request to `path` with the query items that have a value, authorised with the key.
    private func request(_ method: HTTPMethod, _ path: String, query: [(String, String?)]) -> HTTPClientRequest {
        var components = URLComponents()
        components.queryItems = query.compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
        let queryText = components.percentEncodedQuery.map { $0.isEmpty ? "" : "?" + $0 } ?? ""
        var request = HTTPClientRequest(url: base + path + queryText)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        return request
    }

    static func exitCode(for status: Int) -> Int32 {
        switch status {
        case 404: 1
        case 409: 3
        case 400, 413, 422: 64
        case 401, 403: 77
        default: 69
        }
    }

    /// Prints the server's problem+json the way the CLI prints its own errors and returns the exit.
    static func problem(_ data: Data, status: Int, code: Int32) -> ExitCode {
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        let field = (object["field"] as? String).map { "\($0): " } ?? ""
        let detail = object["detail"] as? String ?? object["title"] as? String ?? "HTTP \(status)"
        let fix = (object["fix"] as? String).map { " Fix: \($0)" } ?? ""
        FileHandle.standardError.write(Data("error: \(field)\(detail).\(fix)\n".utf8))
        return ExitCode(code)
    }

    static func failure(_ problem: String, fix: String? = nil, code: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(problem).\(fix.map { " Fix: \($0)" } ?? "")\n".utf8))
        return ExitCode(code)
    }

    /// Ends a command that has no API form yet.
    static func unsupported(_ what: String, fix: String) -> ExitCode {
        failure("\(what) cannot be done over --url", fix: fix, code: 64)
    }
}
