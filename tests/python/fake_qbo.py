#!/usr/bin/env python3
"""A local fake of the QuickBooks Online endpoints the GL sync uses (docs/gl-sync.md), for tests.

- POST <anything ending in /tokens/bearer>: OAuth2 refresh-token grant. Checks HTTP Basic client
  credentials and that the refresh token is the newest one issued (Intuit rotates it), then issues
  a new access token and a new refresh token.
- POST /v3/company/<realm>/batch?minorversion=..&requestid=..: JournalEntry creates. A requestid
  seen before is answered with its first answer and creates nothing (Intuit's idempotency).
  Each JournalEntry is checked (lines balance, AccountRef present) and kept with its requestid.
- POST /_fake/script {"next": ["429", "500", "fault", "hang", ...]}: how the next batch requests
  are answered, one word each ("ok" for normal): 429 / 500 / 400 (a ValidationFault for the whole
  request) answer without doing anything, 401 also revokes the access token used, "fault"
  answers every item with a ValidationFault, "hang" creates the entries and then never answers
  (until POST /_fake/release), like a server whose answer is lost.
- GET /_fake/state: what was received: requests, created journal entries, token grants.

Usage: fake_qbo.py --realm R --client-id I --client-secret S --refresh-token T --port-file F
"""
import argparse
import base64
import json
import os
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Fake:
    def __init__(self, realm, client_id, client_secret, refresh_token):
        self.lock = threading.Lock()
        self.realm = realm
        self.credentials = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        self.refresh_token = refresh_token
        self.access_tokens = set()
        self.issued = 0
        self.script = []
        self.release = threading.Event()
        self.requests = []
        self.entries = []
        self.answers = {}
        self.token_grants = 0

    def state(self):
        with self.lock:
            return {"requests": list(self.requests), "journal_entries": list(self.entries),
                    "token_grants": self.token_grants, "refresh_token": self.refresh_token}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: Fake = None

    def log_message(self, *args):
        pass

    def reply(self, status, document, headers=None):
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        if self.path == "/_fake/state":
            return self.reply(200, self.fake.state())
        self.reply(404, {"error": "not found"})

    def do_POST(self):
        fake = self.fake
        url = urllib.parse.urlparse(self.path)
        raw = self.body()
        if url.path == "/_fake/script":
            with fake.lock:
                fake.script.extend(json.loads(raw)["next"])
                fake.release.clear()
            return self.reply(200, {"script": fake.script})
        if url.path == "/_fake/release":
            fake.release.set()
            return self.reply(200, {})
        if url.path.endswith("/tokens/bearer"):
            return self.token(raw)
        parts = url.path.strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["v3", "company"] and parts[3] == "batch":
            return self.batch(parts[2], urllib.parse.parse_qs(url.query), raw)
        self.reply(404, {"error": "not found"})

    def token(self, raw):
        fake = self.fake
        form = urllib.parse.parse_qs(raw.decode())
        with fake.lock:
            if self.headers.get("Authorization") != f"Basic {fake.credentials}":
                return self.reply(401, {"error": "invalid_client"})
            if form.get("grant_type") != ["refresh_token"] or form.get("refresh_token") != [fake.refresh_token]:
                return self.reply(400, {"error": "invalid_grant"})
            fake.issued += 1
            fake.token_grants += 1
            access = f"access-{fake.issued}"
            fake.access_tokens.add(access)
            fake.refresh_token = f"refresh-{fake.issued}"
            answer = {"token_type": "bearer", "access_token": access, "expires_in": 3600,
                      "refresh_token": fake.refresh_token, "x_refresh_token_expires_in": 8726400}
        self.reply(200, answer)

    def batch(self, realm, query, raw):
        fake = self.fake
        request_id = (query.get("requestid") or [None])[0]
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        with fake.lock:
            action = fake.script.pop(0) if fake.script else "ok"
            record = {"requestid": request_id, "minorversion": (query.get("minorversion") or [None])[0],
                      "action": action, "items": 0, "replayed": False}
            fake.requests.append(record)
            if token not in fake.access_tokens:
                record["action"] = "unauthorized"
                return self.reply(401, fault("AuthenticationFault", "3200", "message=AuthenticationFailed"))
            if realm != fake.realm:
                record["action"] = "wrong_realm"
                return self.reply(403, fault("AuthorizationFault", "003100", "message=ApplicationAuthorizationFailed"))
            if action == "429":
                return self.reply(429, fault("ThrottleExceeded", "003001", "message=ThrottleExceeded"), {"Retry-After": "0"})
            if action == "401":
                fake.access_tokens.discard(token)
                return self.reply(401, fault("AuthenticationFault", "3200", "message=AuthenticationFailed; errorCode=003200; statusCode=401"))
            if action == "400":
                return self.reply(400, fault("ValidationFault", "2020", "Required param missing, need to supply the required value for the API",
                                             "Required parameter Line.JournalEntryLineDetail.AccountRef is missing in the request"))
            if action == "500":
                return self.reply(500, fault("SystemFault", "10000", "An application error has occurred"))
            if request_id in fake.answers:
                record["replayed"] = True
                return self.reply(200, fake.answers[request_id])
            # Amounts kept as the text sent, so tests compare them exactly.
            items = json.loads(raw, parse_float=str).get("BatchItemRequest", [])
            record["items"] = len(items)
            answers = []
            for item in items:
                if action == "fault":
                    answers.append({"bId": item["bId"], **fault(
                        "ValidationFault", "6000", "A business validation error has occurred while processing your request",
                        "Business Validation Error: You must select an account for this transaction.")})
                    continue
                problem = check(item.get("JournalEntry"))
                if problem:
                    answers.append({"bId": item["bId"], **fault("ValidationFault", "6000", problem)})
                    continue
                created = dict(item["JournalEntry"], Id=str(len(fake.entries) + 1), requestid=request_id)
                fake.entries.append(created)
                answers.append({"bId": item["bId"], "JournalEntry": created})
            answer = {"BatchItemResponse": answers, "time": "2026-12-01T00:00:00.000-08:00"}
            fake.answers[request_id] = answer
        if action == "hang":
            fake.release.wait(600)
            self.close_connection = True
            return
        self.reply(200, answer)


def fault(kind, code, message, detail=""):
    return {"Fault": {"type": kind, "Error": [{"Message": message, "Detail": detail or message, "code": code}]}}


def check(entry):
    """Intuit's rules the sync must follow: Debit/Credit lines, positive amounts that balance, an AccountRef."""
    if not entry or not entry.get("Line"):
        return "a JournalEntry needs lines"
    totals = {"Debit": 0, "Credit": 0}
    for line in entry["Line"]:
        detail = line.get("JournalEntryLineDetail") or {}
        if line.get("DetailType") != "JournalEntryLineDetail" or detail.get("PostingType") not in totals:
            return "each line needs a JournalEntryLineDetail with PostingType Debit or Credit"
        if not (detail.get("AccountRef") or {}).get("value"):
            return "each line needs an AccountRef"
        amount = str(line.get("Amount"))
        whole, _, cents = amount.partition(".")
        if not whole.isdigit() or len(cents) > 2 or (cents and not cents.isdigit()):
            return f"bad Amount {amount}"
        totals[detail["PostingType"]] += int(whole) * 100 + int((cents + "00")[:2])
    if totals["Debit"] != totals["Credit"]:
        return "Transaction must be balanced"
    return None


def main():
    parser = argparse.ArgumentParser()
    for name in ("--realm", "--client-id", "--client-secret", "--refresh-token", "--port-file"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    Handler.fake = Fake(args.realm, args.client_id, args.client_secret, args.refresh_token)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as port_file:
        port_file.write(str(server.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
