#!/usr/bin/env python3
"""An SMSC written with an independent SMPP implementation (PyPI smpp.pdu3), the peer of Herald's client.

It accepts binds, answers submit_sm with decimal ids, and sends a delivery receipt per message: destinations
ending in 7 get UNDELIV err:007, all others DELIVRD. It logs every PDU it decodes and exits after
--messages receipts were acknowledged (or on SIGTERM). Used by scripts/smpp-conformance.sh.
"""
import argparse
import asyncio
import io
import sys
import time
import traceback

from smpp.pdu import operations as op
from smpp.pdu import pdu_types as t
from smpp.pdu.pdu_encoding import PDUEncoder

encoder = PDUEncoder()
state = {"next_id": 7000000000000000000000, "acked": 0, "submits": 0}


def receipt_text(message_id, stat, err):
    now = time.strftime("%y%m%d%H%M", time.gmtime())
    return f"id:{message_id} sub:001 dlvrd:{'001' if stat == 'DELIVRD' else '000'} submit date:{now} done date:{now} stat:{stat} err:{err} text:"


async def session(reader, writer, args, done):
    try:
        await serve(reader, writer, args, done)
    except (asyncio.IncompleteReadError, ConnectionResetError, asyncio.CancelledError):
        pass
    except Exception:
        traceback.print_exc()
        sys.stdout.flush()
        raise


async def serve(reader, writer, args, done):
    seq = 1000

    def send(pdu):
        writer.write(encoder.encode(pdu))

    while True:
        header = await reader.readexactly(4)
        length = int.from_bytes(header, "big")
        body = await reader.readexactly(length - 4)
        pdu = encoder.decode(io.BytesIO(header + body))
        name = pdu.commandId.name
        if name in ("bind_transceiver", "bind_transmitter", "bind_receiver"):
            resp = {"bind_transceiver": op.BindTransceiverResp, "bind_transmitter": op.BindTransmitterResp,
                    "bind_receiver": op.BindReceiverResp}[name]
            send(resp(seqNum=pdu.seqNum, system_id="pdu3-smsc"))
            print(f"pdu3-smsc: {name} system_id={pdu.params['system_id']}", flush=True)
        elif name == "enquire_link":
            send(op.EnquireLinkResp(seqNum=pdu.seqNum))
        elif name == "unbind":
            send(op.UnbindResp(seqNum=pdu.seqNum))
            await writer.drain()
            writer.close()
            return
        elif name == "submit_sm":
            state["submits"] += 1
            state["next_id"] += 1
            message_id = str(state["next_id"])  # 22 decimal digits: more than 64 bits
            send(op.SubmitSMResp(seqNum=pdu.seqNum, message_id=message_id))
            destination = pdu.params["destination_addr"]
            destination = destination.decode() if isinstance(destination, bytes) else destination
            stat, err = ("UNDELIV", "007") if destination.endswith("7") else ("DELIVRD", "000")
            seq += 1
            send(op.DeliverSM(
                seqNum=seq, source_addr=destination, destination_addr="Herald",
                esm_class=t.EsmClass(t.EsmClassMode.DEFAULT, t.EsmClassType.SMSC_DELIVERY_RECEIPT),
                short_message=receipt_text(message_id, stat, err).encode(),
            ))
        elif name == "deliver_sm_resp":
            state["acked"] += 1
            if state["acked"] >= args.messages:
                done.set()
        await writer.drain()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--messages", type=int, default=10)
    args = parser.parse_args()
    done = asyncio.Event()
    server = await asyncio.start_server(lambda r, w: session(r, w, args, done), "127.0.0.1", args.port)
    print(f"pdu3-smsc: listening on 127.0.0.1:{args.port}", flush=True)
    async with server:
        try:
            await asyncio.wait_for(done.wait(), timeout=120)
        except asyncio.TimeoutError:
            print(f"pdu3-smsc: only {state['acked']} of {args.messages} receipts acknowledged", flush=True)
            sys.exit(1)
    print(f"pdu3-smsc: {state['submits']} submits, {state['acked']} receipts acknowledged", flush=True)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except (asyncio.IncompleteReadError, ConnectionResetError):
        pass
