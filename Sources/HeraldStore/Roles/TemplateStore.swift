import Foundation
import HeraldCore

/// Message templates by name.
///
/// A role of ``HeraldStore``: a part that needs only this takes only this.
public protocol TemplateStore: Sendable {
    /// Creates or replaces the account's template of that name.
    func putTemplate(_ template: MessageTemplate) async throws
    func template(accountID: String, name: String) async throws -> MessageTemplate?
    /// The account's templates by name.
    func templates(accountID: String) async throws -> [MessageTemplate]
    /// Returns false when there was no such template.
    func deleteTemplate(accountID: String, name: String) async throws -> Bool
}
