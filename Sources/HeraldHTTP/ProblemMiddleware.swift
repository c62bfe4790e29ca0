import Hummingbird
import HTTPTypes
import HeraldStore
import Logging

/// Every answer that is not a success is `application/problem+json`: an unknown route (404), a known path with another
/// method (405, with `Allow`), a database that cannot be reached (503 with `Retry-After`), and any other error that is not
/// already a problem (a store error, say: 500 with words, never an empty body). The error itself goes to the log, not to
/// the client.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = HeraldRequestContext
    /// Route patterns (`/v1/messages/:id`) and their methods.
    let routes: [(method: HTTPRequest.Method, path: String)]
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as APIProblem {
            throw problem
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            // A literal route (`/v1/messages/preview`) hides the patterns its path also fits (`/v1/messages/:id`), as the router does.
            let fitting = routes.filter { Self.matches($0.path, request.uri.path) }
            let literal = fitting.filter { !$0.path.contains(":") }
            let allowed = (literal.isEmpty ? fitting : literal).map(\.method.rawValue)
            guard allowed.isEmpty else {
                var problem = APIProblem(status: .methodNotAllowed, type: "method-not-allowed", title: "Method not allowed",
                                         detail: "\(request.method.rawValue) is not a method of \(request.uri.path)",
                                         fix: "use \(Set(allowed).sorted().joined(separator: " or ")), as /openapi.json describes")
                problem.allow = Set(allowed).sorted().joined(separator: ", ")
                throw problem
            }
            throw APIProblem(status: .notFound, type: "no-such-route", title: "Not found", detail: "no route \(request.method.rawValue) \(request.uri.path)",
                             fix: "see /openapi.json for every route")
        } catch let error as any HTTPResponseError {
            throw error
        } catch let error as StoreError where error.isUnavailable {
            // A database outage (PostgreSQL restarting, a failover) is not the request's fault: say so, and when to retry.
            logger.warning("request failed: database unavailable", metadata: ["method": "\(request.method.rawValue)", "path": "\(request.uri.path)",
                                                                                "error": "\(error)"])
            var problem = APIProblem(status: .serviceUnavailable, type: "database-unavailable", title: "Database unavailable",
                                     detail: "the database could not be reached; the request may or may not have been applied",
                                     fix: "retry in a second with the same Idempotency-Key (a message is then accepted once)")
            problem.retryAfter = 1
            throw problem
        } catch {
            logger.error("request failed", metadata: ["method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "error": "\(error)"])
            throw APIProblem(status: .internalServerError, type: "internal-error", title: "Internal error",
                             detail: "the server could not complete the request (\(String(describing: type(of: error))))",
                             fix: "retry with the same Idempotency-Key; if it keeps failing, the server log has the cause")
        }
    }

    /// Whether `path` fits `pattern`, where `:name` segments match any one segment.
    static func matches(_ pattern: String, _ path: String) -> Bool {
        let want = pattern.split(separator: "/"), have = path.split(separator: "/")
        guard want.count == have.count else { return false }
        return zip(want, have).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }
}
