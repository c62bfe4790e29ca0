import NIOCore
import SMPP
import Synchronization

/// Routes outbound deliver_sm to the receiver-capable sessions of a system_id, round robin, and holds
/// them while no such session is bound.
final class DeliveryRouter: Sendable {
    struct Session: Sendable {
        var id: ObjectIdentifier
        var channel: any Channel
        var send: @Sendable (SMPPPDU) -> Void
    }

    private struct State {
        var sessions: [String: [Session]] = [:]
        var pending: [String: [SMPPPDU]] = [:]
        var turn = 0
    }

    private let state = Mutex(State())

    /// The system id that means "whichever client is bound".
    static let anyClient = "*"

    func register(systemID: String, session: Session) {
        let backlog = state.withLock { state -> [SMPPPDU] in
            state.sessions[systemID, default: []].append(session)
            return (state.pending.removeValue(forKey: systemID) ?? []) + (state.pending.removeValue(forKey: Self.anyClient) ?? [])
        }
        for pdu in backlog { session.send(pdu) }
    }

    func unregister(systemID: String, id: ObjectIdentifier) {
        state.withLock { state in state.sessions[systemID]?.removeAll { $0.id == id } }
    }

    func deliver(_ pdu: SMPPPDU, to systemID: String) {
        let session = state.withLock { state -> Session? in
            let candidates = systemID == Self.anyClient ? state.sessions.values.flatMap { $0 } : state.sessions[systemID]
            guard let sessions = candidates, !sessions.isEmpty else {
                state.pending[systemID, default: []].append(pdu)
                return nil
            }
            state.turn &+= 1
            return sessions[state.turn % sessions.count]
        }
        session?.send(pdu)
    }

    func closeAll() {
        let channels = state.withLock { $0.sessions.values.flatMap { $0.map(\.channel) } }
        for channel in channels { channel.close(promise: nil) }
    }
}
