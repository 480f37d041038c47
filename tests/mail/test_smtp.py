#!/usr/bin/env python3
"""E-mail over SMTP: the notifier sends a notification e-mail to a real SMTP server.

    TEXTPORT_BIN=target/debug/textport python test_smtp.py [unittest args...]
    (tests/mail/run.sh makes the venv with aiosmtpd and runs this)

Two stages in one file:

* without --inner (what run.sh runs): starts an SMTP server (aiosmtpd) on 127.0.0.1, on a port
  the kernel picks and that stays bound, so nothing can take it in between. Each message it
  accepts is written as one JSON file to a spool directory. Then it runs
  `tests/with_suite.sh python test_smtp.py --inner` with TEXTPORT__NOTIFIER__SMTP_URL pointing
  at that server (the suite `textport up` inherits the environment) and TEXTPORT_SMTP_SPOOL
  naming the spool, and stops the server afterwards. Its exit code is the inner run's.
* with --inner (run by with_suite.sh, TEXTPORT_STATE_FILE set): the unittest cases below, which
  drive the suite's public API with plain HTTP and read what the SMTP server received from the
  spool.
"""

import asyncio
import email
import email.policy
import email.utils
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))

from suite_client import account, http_json, load_state, wait_until  # noqa: E402

WITH_SUITE = os.path.join(HERE, "..", "with_suite.sh")

MAIL_FROM_ADDRESS = "notifications@textport.test"
MAIL_FROM = f"textport tests <{MAIL_FROM_ADDRESS}>"
HOSTED_SMS_ORDER_UPDATES = "2d6fce63-cacc-4b9d-8db5-6640e9409cde"
HOSTED_ORDER_UPDATED = "messaging_hosted_numbers_orders.updated"
# What a create answers (Telnyx's notification routes answer 200).
CREATED = (200, 201)


# --------------------------------------------------------------------------
# outer stage: the SMTP server and the suite
# --------------------------------------------------------------------------

class SpoolHandler:
    """aiosmtpd handler: each accepted message becomes <spool>/<n>.json (written atomically)."""

    def __init__(self, spool):
        self.spool = spool
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "data": envelope.content.decode("utf-8", errors="replace"),
            "received_at": time.time(),
        }
        name = f"{self.count:06d}.json"
        partial = os.path.join(self.spool, f".{name}.part")
        with open(partial, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(partial, os.path.join(self.spool, name))
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd's SMTP protocol on a socket bound to 127.0.0.1:0, served by a loop in a thread."""

    def __init__(self, spool):
        from aiosmtpd.smtp import SMTP

        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        handler = SpoolHandler(spool)
        self._loop = asyncio.new_event_loop()
        started = threading.Event()
        failure = []

        def serve():
            asyncio.set_event_loop(self._loop)
            try:
                self._server = self._loop.run_until_complete(self._loop.create_server(
                    lambda: SMTP(handler, hostname="smtp.textport.test"), sock=self._sock))
            except Exception as error:  # reported by the constructor below
                failure.append(error)
                started.set()
                return
            started.set()
            self._loop.run_forever()
            self._server.close()
            self._loop.run_until_complete(self._server.wait_closed())
            self._loop.close()

        self._thread = threading.Thread(target=serve, name="smtp", daemon=True)
        self._thread.start()
        if not started.wait(10) or failure:
            raise RuntimeError(f"the SMTP server did not start: {failure}")

    def stop(self):
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


def outer(args):
    if not os.environ.get("TEXTPORT_BIN"):
        sys.exit("test_smtp.py: TEXTPORT_BIN must point at the textport binary")
    spool = tempfile.mkdtemp(prefix="textport-smtp.")
    server = SmtpServer(spool)
    try:
        env = dict(os.environ)
        env["TEXTPORT__NOTIFIER__SMTP_URL"] = f"smtp://127.0.0.1:{server.port}"
        env["TEXTPORT__NOTIFIER__MAIL_FROM"] = MAIL_FROM
        env["TEXTPORT_SMTP_SPOOL"] = spool
        print(f"smtp server on 127.0.0.1:{server.port}, spool {spool}", flush=True)
        command = ["bash", WITH_SUITE, sys.executable, os.path.abspath(__file__), "--inner", *args]
        return subprocess.call(command, env=env)
    finally:
        server.stop()
        shutil.rmtree(spool, ignore_errors=True)


# --------------------------------------------------------------------------
# inner stage: the tests, against the suite
# --------------------------------------------------------------------------

STATE = {}


def spooled():
    """Every message the SMTP server accepted so far, oldest first."""
    spool = os.environ["TEXTPORT_SMTP_SPOOL"]
    messages = []
    for name in sorted(os.listdir(spool)):
        if name.endswith(".json") and not name.startswith("."):
            with open(os.path.join(spool, name), encoding="utf-8") as f:
                messages.append(json.load(f))
    return messages


class SmtpTest(unittest.TestCase):
    maxDiff = None

    def api(self, method, path, body=None, query=None, expect=(200,)):
        status, answer = http_json(method, STATE["api_base_url"] + path, body,
                                   api_key=account(STATE, "acme")["api_key"], query=query)
        self.assertIn(status, expect, f"{method} {path}: {answer!r}")
        return answer

    def test_a_hosted_order_update_is_mailed_over_smtp_and_leaves_a_portal_notice(self):
        acme = account(STATE, "acme")
        conditions = self.api("GET", "/notification_event_conditions", query={"page[size]": 250})["data"]
        hosted = [c for c in conditions if "hosted sms order" in c.get("name", "").lower()]
        self.assertEqual(len(hosted), 1, conditions)
        condition_id = hosted[0]["id"]
        self.assertEqual(condition_id, HOSTED_SMS_ORDER_UPDATES)

        address = f"ops-{uuid.uuid4().hex[:12]}@example.com"
        profile = self.api("POST", "/notification_profiles", {"name": f"smtp-{uuid.uuid4().hex[:8]}"},
                           expect=CREATED)["data"]
        channel = self.api("POST", "/notification_channels", {
            "notification_profile_id": profile["id"], "channel_type_id": "email",
            "channel_destination": address}, expect=CREATED)["data"]
        self.api("POST", "/notification_settings", {
            "notification_profile_id": profile["id"], "notification_channel_id": channel["id"],
            "notification_event_condition_id": condition_id}, expect=CREATED)

        resource_id = str(uuid.uuid4())
        status, answer = http_json("POST", STATE["sandbox_url"].rstrip("/") + "/events", {
            "account_id": acme["id"],
            "event_type": HOSTED_ORDER_UPDATED,
            "payload": {"order_id": resource_id, "order_status": "pending"},
            "resource_id": resource_id,
        }, api_key=acme["api_key"])
        self.assertEqual(status, 202, answer)
        event = answer["data"]
        subject = f"textport: {HOSTED_ORDER_UPDATED} for {resource_id}"

        def to_address():
            return [m for m in spooled() if address in m["rcpt_tos"]]
        (message,) = wait_until(f"an e-mail to {address} at the SMTP server", to_address)
        self.assertEqual(message["rcpt_tos"], [address], "the envelope names that recipient only")
        self.assertEqual(message["mail_from"], MAIL_FROM_ADDRESS, "envelope sender from MAIL_FROM")
        parsed = email.message_from_string(message["data"], policy=email.policy.default)
        self.assertEqual([a for _, a in email.utils.getaddresses(parsed.get_all("To", []))], [address],
                         message["data"])
        self.assertEqual(str(parsed["Subject"]), subject, message["data"])
        self.assertEqual(email.utils.parseaddr(str(parsed["From"]))[1], MAIL_FROM_ADDRESS, message["data"])
        self.assertTrue(parsed["Message-ID"], message["data"])
        body = parsed.get_body(preferencelist=("plain",))
        self.assertIsNotNone(body, message["data"])
        self.assertIn(resource_id, body.get_content(), message["data"])

        def notices():
            data = self.api("GET", "/portal_notices", query={"page[size]": 250})["data"]
            return [n for n in data if n["event_id"] == event["id"]]
        (notice,) = wait_until("a portal notice of the event", notices)
        self.assertEqual(notice["event_type"], HOSTED_ORDER_UPDATED, notice)
        self.assertEqual(notice["title"], subject, notice)
        self.assertIs(notice["read"], False, notice)

        # With SMTP configured the sandbox mailbox is not used, and the e-mail went out once.
        status, mailbox = http_json("GET", STATE["sandbox_url"].rstrip("/") + "/mailbox",
                                    query={"filter[to]": address}, api_key=acme["api_key"])
        self.assertEqual(status, 200, mailbox)
        self.assertEqual(mailbox["data"], [], "SMTP replaces the sandbox mailbox")
        self.assertEqual(len(to_address()), 1, to_address())


def inner(argv):
    path = os.environ.get("TEXTPORT_STATE_FILE")
    if not path or not os.environ.get("TEXTPORT_SMTP_SPOOL"):
        sys.exit("test_smtp.py --inner runs under tests/with_suite.sh, started by test_smtp.py")
    STATE.update(load_state(path))
    result = unittest.main(argv=[sys.argv[0], *argv], exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    print(f"smtp: {passed} passed, {failed} failed, {skipped} skipped", flush=True)
    return 0 if result.wasSuccessful() and result.testsRun > 0 else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--inner":
        sys.exit(inner(sys.argv[2:]))
    sys.exit(outer(sys.argv[1:]))
