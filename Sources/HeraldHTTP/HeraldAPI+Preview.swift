import Foundation
import HeraldCore
import Hummingbird
import SMSText

extension HeraldAPI {
    /// `POST /v1/messages/preview`: what sending this body would do (status, reason, parts, encoding, smart-encoding
    /// replacements, cost), without storing or sending anything.
    @Sendable func preview(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        _ = try context.requireAccount()
        let body: SendRequestJSON = try await Self.decode(request, context: context)
        let draft: MessageDraft
        switch gateway.validator.validate(try body.request()) {
        case .failure(let error): throw APIProblem.invalid(error)
        case .success(let value): draft = value
        }
        let price = gateway.prices.price(for: draft.channel)
        let billable = draft.rejection == nil ? draft.segments : 0
        return try Self.encode(PreviewJSON(
            channel: draft.channel.rawValue, to: draft.to, wouldBe: draft.initialStatus.rawValue, reason: ReasonJSON(draft.rejection),
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

    var channel: String
    var to: String
    var wouldBe: String
    var reason: ReasonJSON?
    var text: String
    var segments: Int
    var encoding: String?
    var characters: Int
    var parts: [String]
    var smartEncoding: SmartEncoding
    var cost: Cost

    enum CodingKeys: String, CodingKey {
        case channel, to, reason, text, segments, encoding, characters, parts, cost
        case wouldBe = "would_be", smartEncoding = "smart_encoding"
    }
}
