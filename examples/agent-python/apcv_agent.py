#!/usr/bin/env python3
"""Read the appli carte Vitale through apcv agent, with Python's standard library only.

    agent = Agent("http://127.0.0.1:7723", token)
    identity = agent.read(timeout_ms=60000)      # dict: the schema of `apcv read --json`
    for ev in agent.events():                    # the Server-Sent Events stream
        print(ev["type"])

A refusal raises AgentError, whose message_fr / message_en are the desk
messages to show. The token is what `apcv agent pair` prints: this script reads
it from --token-file or the APCV_AGENT_TOKEN environment variable, never from
its command line (other users of the machine can read that).

The command line prints the identity MASKED (NIR "2 78 05 ** *** *** 80",
names reduced to their initial, birth dates to the year), as the desk must
not leave personal data on screen or in logs; the billing software uses the
full values of the returned dict.

    python3 apcv_agent.py --token-file ~/.config/apcv/agent-token read
    python3 apcv_agent.py --token-file ... events --count 5 --until identity,refused
    python3 apcv_agent.py health | readers
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.request

QUALITE = {0: "assuré", 1: "ascendant", 2: "conjoint", 3: "conjoint divorcé", 4: "concubin",
           5: "conjoint séparé", 6: "enfant", 8: "bénéficiaire", 9: "conjoint veuf"}


class AgentError(Exception):
    """An error answer of the agent: HTTP status, stable code, desk messages."""

    def __init__(self, status, code, message_fr, message_en):
        super().__init__(f"{status} {code}: {message_en}")
        self.status = status
        self.code = code
        self.message_fr = message_fr
        self.message_en = message_en

    def message(self, lang="fr"):
        return self.message_en if lang == "en" else self.message_fr


class Agent:
    """A client of apcv agent's HTTP/JSON API (docs/AGENT.md)."""

    def __init__(self, url="http://127.0.0.1:7723", token=""):
        self.url = url.rstrip("/")
        self.token = token

    def _request(self, method, path, body=None, timeout=None):
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            return urllib.request.urlopen(req, timeout=timeout)
        except urllib.error.HTTPError as e:
            raise _error(e.code, e.read()) from None

    def _json(self, method, path, body=None, timeout=30):
        with self._request(method, path, body, timeout) as r:
            return json.load(r)

    def health(self):
        return self._json("GET", "/v1/health")

    def readers(self):
        return self._json("GET", "/v1/readers")

    def read(self, timeout_ms=60000):
        """Waits for the next verified presentation; returns the identity dict."""
        return self._json("POST", "/v1/read", {"timeout_ms": timeout_ms}, timeout=timeout_ms / 1000 + 10)

    def post_receipt(self, receipt):
        return self._json("POST", "/v1/receipts", receipt)

    def events(self):
        """Opens GET /v1/events and returns an iterator over its events (dicts:
        type, device, time, and identity or error), which ends when the agent
        closes the stream. The stream is open when this returns: no event
        after that is missed."""
        return _sse(self._request("GET", "/v1/events", timeout=None))


def _sse(r):
    with r:
        etype, data = "", []
        for raw in r:
            line = raw.decode("utf-8").rstrip("\r\n")
            if line == "":
                if data:
                    ev = json.loads("\n".join(data))
                    ev.setdefault("type", etype)
                    yield ev
                etype, data = "", []
            elif line.startswith(":"):
                continue  # a comment: ": ok" on connect, ": ping" heartbeats
            else:
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "event":
                    etype = value
                elif field == "data":
                    data.append(value)


def _error(status, body):
    try:
        e = json.loads(body)
        return AgentError(status, e["code"], e.get("message_fr", ""), e.get("message_en", ""))
    except (ValueError, KeyError, TypeError):
        return AgentError(status, f"http-{status}", f"Erreur HTTP {status}.", f"HTTP error {status}.")


# Masking, as credential.NIR.Masked and the masked form of credential.FamilyJSON.
def mask_nir(n):
    if len(n) != 15:
        return "*" * len(n)
    return f"{n[0]} {n[1:3]} {n[3:5]} ** *** *** {n[13:15]}"


def mask_name(s):
    return s[:1] + "*" * min(len(s) - 1, 5) if s else ""


def mask_date(d):
    return d[:4] + "-**-**" if d else ""


def print_identity(identity, out=sys.stdout):
    v = identity["verification"]
    print(f"identité vérifiée : mode {identity['mode']}, source {identity['source']}, émetteur {v['issuer']}", file=out)
    for b in identity["beneficiaires"]:
        print(f"  {mask_nir(b['nir'])}  {mask_name(b['nomFamille'])} {mask_name(b['prenoms'])}  "
              f"{mask_date(b['dateNaissance'])}  {QUALITE.get(b['qualite'], b['qualite'])}  organisme {b['organisme']}", file=out)
    print("(données personnelles masquées)", file=out)


def main(argv=None):
    p = argparse.ArgumentParser(description="Read the appli carte Vitale through apcv agent.")
    p.add_argument("--agent", default=os.environ.get("APCV_AGENT_URL", "http://127.0.0.1:7723"))
    p.add_argument("--token-file", help="file holding the token `apcv agent pair` prints (default: $APCV_AGENT_TOKEN)")
    p.add_argument("--lang", choices=("fr", "en"), default="fr")
    p.add_argument("--timeout-ms", type=int, default=60000)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("health")
    sub.add_parser("readers")
    sub.add_parser("read")
    ev = sub.add_parser("events")
    ev.add_argument("--count", type=int, default=0, help="stop after this many events (0: never)")
    ev.add_argument("--until", default="", help="stop after the first event of one of these types (comma-separated)")
    args = p.parse_args(argv)

    token = os.environ.get("APCV_AGENT_TOKEN", "")
    if args.token_file:
        with open(args.token_file, encoding="utf-8") as f:
            token = f.read().strip()
    agent = Agent(args.agent, token)
    try:
        if args.cmd == "health":
            print(json.dumps(agent.health()))
        elif args.cmd == "readers":
            print(json.dumps(agent.readers()))
        elif args.cmd == "read":
            print_identity(agent.read(args.timeout_ms))
        elif args.cmd == "events":
            n = 0
            stream = agent.events()
            print("events: connected", file=sys.stderr, flush=True)
            for e in stream:
                line = f"event {e['type']}"
                if e.get("device"):
                    line += f" device={e['device']}"
                if e["type"] == "identity" and e.get("identity"):
                    line += f" beneficiaires={len(e['identity']['beneficiaires'])}"
                if e["type"] == "refused" and e.get("error"):
                    err = e["error"]
                    line += f" code={err['code']} message={err['message_en'] if args.lang == 'en' else err['message_fr']}"
                print(line, flush=True)
                n += 1
                if args.count and n >= args.count:
                    break
                if e["type"] in args.until.split(","):
                    break
    except AgentError as e:
        print(f"apcv agent: {e.status} {e.code}", file=sys.stderr)
        print(f"FR: {e.message_fr}", file=sys.stderr)
        print(f"EN: {e.message_en}", file=sys.stderr)
        return 1
    except urllib.error.URLError as e:
        print(f"apcv agent: unreachable at {args.agent}: {e.reason}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
