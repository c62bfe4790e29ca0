import Foundation
import HeraldCore
@testable import HeraldEngine
import Testing

@Suite("Plain templates")
struct PlainTemplateTests {
    static let variables = ["first_name": "Ada", "offer": "20% off, <today> & \"only\"", "code": "", "emoji": "🎉 Grüße"]

    @Test("text-and-variables templates render exactly as the Mustache engine renders them", arguments: [
        "Hi {{first_name}}, {{offer}} at Shop. STOP to opt out",
        "{{first_name}}{{offer}}",
        "{{ first_name }} / {{{offer}}} / {{& offer}} / {{{ emoji }}}",
        "code: [{{code}}] missing: [{{nobody}}]",
        "no tags at all, } and { alone",
        "{{first_name}}}",
        "line one\n  {{first_name}}\nline three",
        "",
    ])
    func sameAsMustache(source: String) throws {
        let compiled = try TemplateRenderer.Compiled(MessageTemplate(accountID: "a", name: "t", body: source, updatedAt: Date()))
        let plain = try #require(PlainTemplate(source))
        #expect(plain.render(Self.variables) == compiled.body.render(Self.variables))
    }

    @Test("any other tag leaves the template to Mustache", arguments: [
        "{{#vip}}VIP {{/vip}}{{first_name}}",
        "{{^vip}}hi{{/vip}}",
        "{{! a comment }}hi",
        "{{> partial}}",
        "{{=<% %>=}}<% first_name %>",
        "{{user.name}}",
        "{{.}}",
        "{{first_name",
        "{{}}",
    ])
    func fallsBack(source: String) {
        #expect(PlainTemplate(source) == nil)
    }

    @Test("a campaign-style render goes through the fast path and checks required variables first")
    func compiledUsesPlain() throws {
        let compiled = try TemplateRenderer.Compiled(MessageTemplate(
            accountID: "a", name: "promo", subject: "For {{first_name}}", body: "Hi {{first_name}}, {{offer}}", updatedAt: Date()))
        #expect(compiled.plainBody != nil && compiled.plainSubject != nil)
        let rendered = try compiled.render(Self.variables).get()
        #expect(rendered.text == "Hi Ada, 20% off, <today> & \"only\"")
        #expect(rendered.subject == "For Ada")
        guard case .failure(let problem) = compiled.render(["first_name": "Ada"]) else {
            Issue.record("a missing variable must fail")
            return
        }
        #expect(problem.variable == "offer")
    }
}
