#!/usr/bin/env python3
"""The RabbitMQ users of CoverPay and their permissions, as RabbitMQ definitions (docs/security.md,
"Roles and users"). The one place the permission patterns are written down.

    users.py --vhost V [--vhost W ...] [--secrets DIR] [--base FILE]

Prints a definitions document with `users`, `permissions` and `topic_permissions` for the given
virtual hosts (merged into FILE with --base: its other sections and other users stay). With --secrets, each user's
password hash (rabbit_password_hashing_sha256, fresh salt) is made from DIR/<user>.password;
without, the hash is empty: the user exists but cannot log in until a deployment sets a password.

- the operator (the `coverpay` CLI: topology apply, DLQ replay and purge, events tail) may do
  anything in the virtual host;
- each worker may configure (declare, delete) only its own queues `<worker>.*`; read them and the
  exchanges it binds them to; write them (bindings) and the exchanges it publishes to, and on the
  topic exchange coverpay.events only the event types it publishes (RabbitMQ authorises exchanges,
  not routing keys, so the routing key, the event type, is limited by topic authorisation).
"""
import argparse
import base64
import hashlib
import json
import os
import sys

OPERATOR = "coverpay_operator"
EXCHANGES = r"coverpay\.(events|retry|dlx)"
# The event types each worker publishes on coverpay.events (its outbox).
PUBLISHES = {
    "scheduler": ["schedule.updated", "installment.due", "payment.applied", "payment.unapplied", "refund.requested"],
    "collector": ["payment.routed", "payment.attempted", "payment.succeeded", "payment.failed"],
    "retrier": ["retry.scheduled", "installment.due", "delinquency.changed", "delinquency.cured", "notice.requested",
                "policy.cancellation_requested", "fee.assessed", "fee.waived", "installment.written_off"],
    "reconciler": ["payment.succeeded", "payment.settled", "payment.returned", "recon.exception"],
    "accounting-sync": ["ledger.posted", "gl.synced", "recon.exception"],
}


def user_name(worker):
    return "coverpay_" + worker.replace("-", "_")


def password_hash(password):
    salt = os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def definitions(vhosts, secrets):
    users, permissions, topic_permissions = [], [], []
    for name in [OPERATOR] + [user_name(worker) for worker in PUBLISHES]:
        digest = ""
        if secrets:
            with open(os.path.join(secrets, f"{name}.password")) as file:
                digest = password_hash(file.read().strip())
        users.append({"name": name, "password_hash": digest, "hashing_algorithm": "rabbit_password_hashing_sha256",
                      "tags": [], "limits": {}})
    for vhost in vhosts:
        permissions.append({"user": OPERATOR, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"})
        for worker, types in PUBLISHES.items():
            queues = rf"{worker}\..*"
            own = rf"^({queues}|{EXCHANGES})$"
            permissions.append({"user": user_name(worker), "vhost": vhost, "configure": rf"^{queues}$", "write": own, "read": own})
            keys = "|".join(t.replace(".", r"\.") for t in types)
            topic_permissions.append({"user": user_name(worker), "vhost": vhost, "exchange": "coverpay.events",
                                      "write": rf"^coverpay\.({keys})$", "read": ".*"})
    return {"users": users, "permissions": permissions, "topic_permissions": topic_permissions}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vhost", action="append", required=True)
    parser.add_argument("--secrets")
    parser.add_argument("--base")
    arguments = parser.parse_args()
    document = {}
    if arguments.base:
        with open(arguments.base) as file:
            document = json.load(file)
    # CoverPay's users and their permissions replace those of the same name; others (the base's
    # administrator) stay.
    ours = definitions(arguments.vhost, arguments.secrets)
    names = {user["name"] for user in ours["users"]}
    for section in ours:
        kept = [item for item in document.get(section, []) if item.get("name", item.get("user")) not in names]
        document[section] = kept + ours[section]
    json.dump(document, sys.stdout, indent=2, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
