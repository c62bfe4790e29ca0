import Foundation
import HeraldCore
import HeraldEngine
import HeraldStore
import Hummingbird

/// The body of `POST /v1/templates`.
struct TemplateRequestJSON: Decodable {
    var name: String?
    var channel: String?
    var subject: String?
    var body: String?
    var html: String?
}

/// A template as the API shows it, with the variables a send must supply.
struct TemplateJSON: Encodable {
    var name: String
    var channel: String?
    var subject: String?
    var body: String
    var html: String?
    var variables: [String]
    var updatedAt: String

    init(_ template: MessageTemplate) {
        name = template.name
        channel = template.channel?.rawValue
        subject = template.subject
        body = template.body
        html = template.html
        var names = TemplateRenderer.requiredVariables(template.body)
        for name in (template.subject.map(TemplateRenderer.requiredVariables) ?? []) + (template.html.map(TemplateRenderer.requiredVariables) ?? [])
            where !names.contains(name) { names.append(name) }
        variables = names
        updatedAt = Timestamp.format(template.updatedAt)
    }

    enum CodingKeys: String, CodingKey { case name, channel, subject, body, html, variables, updatedAt = "updated_at" }
}

extension HeraldAPI {
    /// `GET /v1/templates`: the account's templates by name.
    @Sendable func listTemplates(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        return try Self.encode(["data": try await store.templates(accountID: account.id).map(TemplateJSON.init)])
    }

    /// `GET /v1/templates/{name}`.
    @Sendable func showTemplate(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let name = try context.parameters.require("name")
        guard let template = try await store.template(accountID: account.id, name: name) else { throw APIProblem.notFound("template", id: name) }
        return try Self.encode(TemplateJSON(template))
    }

    /// `POST /v1/templates`: creates or replaces a template; its Mustache syntax is checked now, not at send time.
    @Sendable public func putTemplate(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let body: TemplateRequestJSON = try await Self.decode(request, context: context)
        guard let name = body.name, MessageTemplate.isValidName(name) else {
            throw APIProblem.invalid(FieldError(field: "name", problem: body.name == nil ? "name is missing" : "'\(body.name!)' is not a template name",
                                                fix: "use 1 to 64 letters, digits, '-', '_' or '.'"))
        }
        var channel: Channel?
        if let raw = body.channel {
            guard let known = Channel(rawValue: raw.lowercased()) else {
                throw APIProblem.invalid(FieldError(field: "channel", problem: "unknown channel '\(raw)'", fix: "use sms, email or chat, or leave it out"))
            }
            channel = known
        }
        guard let text = body.body, !text.isEmpty else {
            throw APIProblem.invalid(FieldError(field: "body", problem: "body is missing or empty", fix: "set body to the Mustache text, e.g. Hi {{name}}"))
        }
        if let problem = TemplateRenderer.check(text) {
            throw APIProblem.invalid(FieldError(field: "body", problem: problem, fix: Self.templateFix(problem)))
        }
        if let subject = body.subject, let problem = TemplateRenderer.check(subject) {
            throw APIProblem.invalid(FieldError(field: "subject", problem: problem, fix: Self.templateFix(problem)))
        }
        if let html = body.html {
            if let channel, channel != .email {
                throw APIProblem.invalid(FieldError(field: "html", problem: "html is for e-mail templates", fix: "leave html out, or set channel to email"))
            }
            if let problem = TemplateRenderer.check(html) {
                throw APIProblem.invalid(FieldError(field: "html", problem: problem, fix: Self.templateFix(problem)))
            }
        }
        let template = MessageTemplate(accountID: account.id, name: name, channel: channel, subject: body.subject, body: text, html: body.html,
                                       updatedAt: Date())
        try await store.putTemplate(template)
        return try Self.encode(TemplateJSON(template), status: .created)
    }

    /// What to do about a template problem: a limit names its own fix.
    static func templateFix(_ problem: String) -> String {
        if problem.contains("longer than") { return "shorten the template to at most \(TemplateRenderer.maximumLength) characters" }
        if problem.contains("{{tags}}") { return "use at most \(TemplateRenderer.maximumTags) tags" }
        if problem.contains("nested") { return "nest sections at most \(TemplateRenderer.maximumDepth) deep" }
        return "close every {{ with }} and every {{#section}} with {{/section}}"
    }

    /// `DELETE /v1/templates/{name}`.
    @Sendable public func deleteTemplate(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let name = try context.parameters.require("name")
        guard try await store.deleteTemplate(accountID: account.id, name: name) else { throw APIProblem.notFound("template", id: name) }
        return Response(status: .noContent)
    }
}
