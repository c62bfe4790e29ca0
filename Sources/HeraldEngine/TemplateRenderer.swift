import HeraldCore
import Mustache

/// Renders account templates (Mustache) per recipient, refusing to send a text with a hole in it.
///
/// Plain `{{name}}`, `{{{name}}}` and `{{& name}}` tags outside sections must have a variable: an unresolved one
/// would otherwise render as nothing ("Hi , your code is"). Sections (`{{#vip}}...{{/vip}}`) and inverted sections
/// are optional by nature, and names inside them refer to the section's item, so they are not checked. Output is
/// text, never HTML-escaped.
public enum TemplateRenderer {
    /// Most characters in a template (an SMS of ten segments is 1,530; an e-mail body has room).
    public static let maximumLength = 100_000
    /// Most `{{tags}}` in a template: rendering cost grows with them.
    public static let maximumTags = 2_000
    /// Deepest nesting of sections: the parser recurses per level.
    public static let maximumDepth = 20

    /// The first limit `source` exceeds, in words naming it, or nil. Runs before the Mustache parser, which recurses
    /// once per nested section (thousands of levels overflow the stack) and costs time per tag.
    public static func limitProblem(_ source: String) -> String? {
        if source.utf8.count > maximumLength * 4 || source.count > maximumLength {
            return "the template is longer than \(maximumLength) characters"
        }
        var tags = 0, depth = 0, deepest = 0
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            tags += 1
            if tags > maximumTags { return "the template has more than \(maximumTags) {{tags}}" }
            let tag = rest[open.upperBound...].drop { $0 == " " }
            if tag.hasPrefix("#") || tag.hasPrefix("^") {
                depth += 1
                deepest = max(deepest, depth)
                if deepest > maximumDepth { return "sections are nested more than \(maximumDepth) deep" }
            } else if tag.hasPrefix("/") {
                depth = max(0, depth - 1)
            }
            rest = rest[open.upperBound...]
        }
        return nil
    }

    /// Checks a template's size, nesting and syntax; the error names what is wrong.
    public static func check(_ source: String) -> String? {
        if let problem = limitProblem(source) { return problem }
        do {
            _ = try MustacheTemplate(string: textPragma + source)
            return nil
        } catch {
            return "the template does not parse: \(error)"
        }
    }

    /// A template parsed once, to render for many recipients.
    public struct Compiled: Sendable {
        public let name: String
        let body: MustacheTemplate
        let subject: MustacheTemplate?
        /// The HTML body: Mustache's own escaping (a variable `<b>` shows as text), unlike the text body and subject.
        let html: MustacheTemplate?
        /// The same templates when they are plain text and variables (rendered without the Mustache engine).
        let plainBody: PlainTemplate?
        let plainSubject: PlainTemplate?
        /// Top-level variables of body and subject, in order of first use.
        public let required: [String]

        public init(_ template: MessageTemplate) throws(TemplateProblem) {
            name = template.name
            if let problem = TemplateRenderer.limitProblem(template.body) ?? template.subject.flatMap(TemplateRenderer.limitProblem)
                ?? template.html.flatMap(TemplateRenderer.limitProblem) {
                throw TemplateProblem(variable: nil, text: "template '\(template.name)': \(problem)")
            }
            do {
                body = try MustacheTemplate(string: TemplateRenderer.textPragma + template.body)
                subject = try template.subject.map { try MustacheTemplate(string: TemplateRenderer.textPragma + $0) }
                html = try template.html.map { try MustacheTemplate(string: $0) }
            } catch {
                throw TemplateProblem(variable: nil, text: "template '\(template.name)' does not parse: \(error)")
            }
            plainBody = PlainTemplate(template.body)
            plainSubject = template.subject.flatMap(PlainTemplate.init)
            var names = TemplateRenderer.requiredVariables(template.body)
            for name in (template.subject.map(TemplateRenderer.requiredVariables) ?? []) + (template.html.map(TemplateRenderer.requiredVariables) ?? [])
                where !names.contains(name) { names.append(name) }
            required = names
        }

        /// The rendered text (and subject), or the problem that makes the message TEMPLATE_ERROR.
        public func render(_ variables: [String: String]) -> Result<(text: String, subject: String?), TemplateProblem> {
            renderAll(variables).map { ($0.text, $0.subject) }
        }

        /// The rendered text, subject and HTML.
        public func renderAll(_ variables: [String: String]) -> Result<(text: String, subject: String?, html: String?), TemplateProblem> {
            if let missing = required.first(where: { variables[$0] == nil }) {
                return .failure(TemplateProblem(variable: missing, text: "variable '\(missing)' of template '\(name)' has no value; add it to variables"))
            }
            let text = plainBody?.render(variables) ?? body.render(variables)
            return .success((text, subject.map { plainSubject?.render(variables) ?? $0.render(variables) }, html.map { $0.render(variables) }))
        }
    }

    /// Parses and renders in one go (one recipient); see ``Compiled`` for many.
    public static func render(_ template: MessageTemplate, variables: [String: String]) -> Result<(text: String, subject: String?), TemplateProblem> {
        do {
            return try Compiled(template).render(variables)
        } catch {
            return .failure(error)
        }
    }

    /// Why a template could not be used.
    public struct TemplateProblem: Error, Sendable, Hashable {
        /// The unresolved variable, when that is the problem.
        public var variable: String?
        public var text: String
    }

    /// Top-level variables a template needs (in order of first use; first component of dotted names).
    public static func requiredVariables(_ source: String) -> [String] {
        var names: [String] = []
        var depth = 0
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            var tag = rest[open.upperBound...]
            let triple = tag.hasPrefix("{")
            if triple { tag = tag.dropFirst() }
            guard let close = tag.range(of: triple ? "}}}" : "}}") else { break }
            let content = tag[..<close.lowerBound].trimmingBlanks()
            rest = tag[close.upperBound...]
            guard let sigil = content.first else { continue }
            switch sigil {
            case "#", "^": depth += 1
            case "/": depth = max(0, depth - 1)
            case "!", ">", "<", "$", "%": continue
            case "=": return names  // custom delimiters: stop checking rather than misread the rest
            default:
                guard depth == 0 else { continue }
                let name = (sigil == "&" ? content.dropFirst().trimmingBlanks() : content).split(separator: ".").first.map(String.init) ?? ""
                if !name.isEmpty, !names.contains(name) { names.append(name) }
            }
        }
        return names
    }

    static let textPragma = "{{% CONTENT_TYPE:TEXT}}"
}

extension Substring {
    /// Without the spaces around it (as in `{{ name }}`).
    func trimmingBlanks() -> Substring {
        var slice = self
        while slice.first == " " { slice.removeFirst() }
        while slice.last == " " { slice.removeLast() }
        return slice
    }
}
