import Foundation
import HeraldCore
import HeraldJSON
import HeraldEngine
import HeraldStore
import Hummingbird
import SMSText

extension HeraldAPI {
    /// `POST /v1/messages/preview`: what sending this body would do (status, reason, parts, encoding, smart-encoding
    /// replacements, cost), without storing or sending anything.
    @Sendable func preview(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let body: SendRequestJSON = try await Self.decode(request, context: context)
        var draft: MessageDraft
        switch try await gateway.drafts(for: [try body.request()], accountID: account.id, settings: account.settings) {
        case .failure(let error): throw APIProblem.invalid(error)
        case .success(let value): draft = value[0]
        }
        QuietHoursGate.apply(to: &draft, settings: account.settings, now: Date())
        let price = gateway.prices.price(for: draft.channel, to: draft.to)
        if draft.rejection == nil, let balance = try await store.account(id: account.id)?.balanceMicros,
           Billing.highestCost(segments: draft.segments, price: price) > balance {
            draft.rejection = .insufficientBalance
        }
        let billable = draft.rejection == nil ? draft.segments : 0
        return try Self.encode(PreviewJSON(
            channel: draft.channel.rawValue, to: draft.to, wouldBe: draft.initialStatus.rawValue, reason: ReasonJSON(draft.rejection),
            detail: draft.initialDetail,
            number: draft.recipientCountry.map { .init(country: $0, type: draft.recipientType, timeZones: draft.recipientTimeZones) },
            text: draft.text, segments: draft.segments, encoding: draft.encoding, characters: draft.characters, parts: draft.parts,
            smartEncoding: .init(replaced: draft.replacements),
            cost: .init(amount: PriceTable.decimal(price * Int64(billable)), currency: gateway.prices.currency,
                        billableSegments: billable, pricePerSegment: PriceTable.decimal(price))
        ))
    }
}

/// The answer of `POST /v1/messages/preview`.
struct PreviewJSON: Encodable {
    struct SmartEncoding: Encodable {
        var replaced: [SMSText.Replacement]
    }

    struct Cost: Encodable {
        var amount: String
        var currency: String
        var billableSegments: Int
        var pricePerSegment: String
        enum CodingKeys: String, CodingKey {
            case amount, currency, billableSegments = "billable_segments", pricePerSegment = "price_per_segment"
        }
    }

    /// What the number is, for phone channels (libphonenumber's region and line type, time zones of its area).
    struct Number: Encodable {
        var country: String
        var type: String?
        var timeZones: [String]
        enum CodingKeys: String, CodingKey { case country, type, timeZones = "time_zones" }
    }

    var channel: String
    var to: String
    var wouldBe: String
    var reason: ReasonJSON?
    /// Why, in words, when the message would be refused.
    var detail: String?
    var number: Number?
    var text: String
    var segments: Int
    var encoding: String?
    var characters: Int
    var parts: [String]
    var smartEncoding: SmartEncoding
    var cost: Cost

    enum CodingKeys: String, CodingKey {
        case channel, to, reason, detail, number, text, segments, encoding, characters, parts, cost
        case wouldBe = "would_be", smartEncoding = "smart_encoding"
    }
}
