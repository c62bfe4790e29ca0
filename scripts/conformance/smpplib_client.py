#!/usr/bin/env python3
"""An independent SMPP client (PyPI smpplib) against `herald smsc`.

Binds as a transceiver, submits to magic destinations, and checks that every submit_sm_resp carries an id and
that the receipt for each id arrives with the documented stat and err. Exit 0 only if all match.
"""
import argparse
import sys
import time

import smpplib.client
import smpplib.consts
import smpplib.gsm

EXPECTED = {"0200": ("DELIVRD", "000"), "0207": ("UNDELIV", "007"), "0203": ("UNDELIV", "003"),
            "0221": ("EXPIRED", "000"), "0220": ("REJECTD", "000")}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    client = smpplib.client.Client("127.0.0.1", args.port, allow_unknown_opt_params=True)
    submitted = {}
    receipts = {}
    pending_dest = []

    def on_sent(pdu):
        dest = pending_dest.pop(0)
        message_id = pdu.message_id.decode() if isinstance(pdu.message_id, bytes) else pdu.message_id
        submitted[message_id.lower()] = dest

    def on_received(pdu):
        text = pdu.short_message.decode("latin-1")
        fields = dict(part.split(":", 1) for part in text.split(" ") if ":" in part)
        receipts[fields["id"].lower()] = (fields.get("stat"), fields.get("err"))

    client.set_message_sent_handler(on_sent)
    client.set_message_received_handler(on_received)
    client.connect()
    client.bind_transceiver(system_id="smpplib", password="pw")
    for suffix in EXPECTED:
        dest = "4477009" + suffix.rjust(5, "0")
        parts, coding, esm = smpplib.gsm.make_parts("Conformance check from smpplib")
        pending_dest.append(suffix)
        client.send_message(source_addr_ton=smpplib.consts.SMPP_TON_ALNUM, source_addr="smpplib", dest_addr_ton=1, dest_addr_npi=1,
                            destination_addr=dest, short_message=parts[0], data_coding=coding, esm_class=esm, registered_delivery=1)
        client.read_once()  # the submit_sm_resp (receipts may arrive first and are handled too)
    deadline = time.time() + 20
    client._socket.settimeout(1)
    while len(receipts) < len(EXPECTED) and time.time() < deadline:
        try:
            client.read_once()
        except Exception:
            pass
    client.unbind()
    client.disconnect()
    failures = 0
    for message_id, suffix in submitted.items():
        got = receipts.get(message_id)
        want = EXPECTED[suffix]
        ok = got == want
        failures += 0 if ok else 1
        print(f"smpplib: {suffix} id={message_id} receipt={got} expected={want} {'ok' if ok else 'MISMATCH'}")
    if len(submitted) != len(EXPECTED):
        print(f"smpplib: only {len(submitted)} of {len(EXPECTED)} submits answered")
        failures += 1
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
