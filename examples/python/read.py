"""read.py — read one appli carte Vitale through libapcv from Python (ctypes).

    python3 read.py [CONFIG_JSON [RECEIPT_JSON]]

Prints the library's version, then the verified identity JSON (with the
default configuration, an emulated phone with "masked": true: NIRs masked,
names reduced to their initial, birth dates to the year), or the
refusal's code and French desk message (exit 3); posts RECEIPT_JSON if given;
prints the events the session saw; then checks that apcv_cancel, called from
another thread, ends a read that waits (with an emulated phone that is never
presented). Exit 0 when all went as described.
"""

import json
import sys
import threading
import time

import apcv


def main():
    config = sys.argv[1] if len(sys.argv) > 1 else '{"emulate":{"profile":"famille-6-drome"},"masked":true}'
    receipt = sys.argv[2] if len(sys.argv) > 2 else None
    print("version:", apcv.version())
    status = 0
    with apcv.Session(config) as s:
        try:
            identity = s.read(timeout_ms=30000)
            print("identity:", json.dumps(identity, ensure_ascii=False))  # personal data: never log it
            if receipt:
                s.post_receipt(receipt)
                print("receipt: ok")
        except apcv.Error as e:
            print("refused: %d %s" % (e.code, e.name))
            print("message:", e.message_fr)
            status = 3
        while True:
            try:
                print("event:", json.dumps(s.next_event(timeout_ms=0), ensure_ascii=False))
            except apcv.Error as e:
                if e.name != "no-event":
                    raise
                break
    if status == 0 and not cancel_from_thread():
        status = 1
    return status


def cancel_from_thread():
    """apcv_cancel from this thread ends the read waiting in another."""
    with apcv.Session({"emulate": {"absent": True}}) as s:
        got = []
        t = threading.Thread(target=lambda: got.append(_read(s)))
        t.start()
        while t.is_alive():  # a cancel before the read started does nothing: repeat
            s.cancel()
            t.join(0.02)
        print("cancelled:", got[0])
        return got[0] == "cancelled"


def _read(s):
    try:
        s.read()  # no time limit
        return "read"
    except apcv.Error as e:
        return e.name


if __name__ == "__main__":
    sys.exit(main())
