#!/usr/bin/env python3
"""SDK compatibility test: drives a running textport suite with the official
`telnyx` Python SDK (pinned in run.sh), changing nothing but base_url.

Usage: python test_sdk.py STATE_FILE [unittest args...]
       (or set TEXTPORT_STATE_FILE and pass only unittest args)

STATE_FILE is the JSON written by `textport up --state-file`:
  {"gateway_url": ..., "api_base_url": "http://127.0.0.1:PORT/v2",
   "sandbox_url": "http://127.0.0.1:PORT/sandbox/v1", "webhook_public_key": "<base64>",
   "admin_url": "http://127.0.0.1:PORT" (operator and sandbox APIs), "operator_api_key": ...,
   "services": {...}, "accounts": [{"name", "id", "api_key", "email", "numbers"}, ...]}

Sandbox magic numbers are US numbers +1 NPA 555 XXXX; the last four digits
pick the outcome. The demo seed gives +13125552000..2099 to acme and
+13125552100..2199 to globex.
"""

import base64
import calendar
import json
import os
import pathlib
import re
import socket
import sys
import threading
import time
import unittest
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import nacl.signing
import telnyx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from suite_client import ARRIVAL_TIMEOUT, account, http_json, load_state, wait_until  # noqa: E402

STATE = {}


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def wait_for_tcp(url, timeout=15.0):
    parts = urlsplit(url)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((parts.hostname, parts.port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def client(api_key):
    return telnyx.Telnyx(api_key=api_key, base_url=STATE["api_base_url"], max_retries=0)


def acme():
    return client(account(STATE, "acme")["api_key"])


def globex():
    return client(account(STATE, "globex")["api_key"])


def magic(last4, npa="312"):
    """A sandbox magic number: +1 NPA 555 XXXX."""
    return f"+1{npa}555{last4:04d}"


def fields(model):
    """All fields of an SDK model, including ones the SDK does not declare."""
    return model.to_dict()


def unique(tag):
    return f"sdk-{tag}-{uuid.uuid4().hex[:10]}"


class SdkTestCase(unittest.TestCase):
    maxDiff = None

    def assertApiError(self, exc_type, status, fn, *args, **kwargs):
        """Call fn, expect exc_type with HTTP status; return errors[0]."""
        with self.assertRaises(exc_type) as cm:
            fn(*args, **kwargs)
        exc = cm.exception
        self.assertEqual(exc.status_code, status)
        body = exc.body
        self.assertIsInstance(body, dict, f"error body is not a JSON object: {body!r}")
        errors = body.get("errors")
        self.assertIsInstance(errors, list, body)
        self.assertTrue(errors, body)
        for err in errors:
            self.assertIsInstance(err.get("code"), str, err)
            self.assertTrue(err["code"].isdigit(), f"code must be a digit string: {err!r}")
            self.assertIsInstance(err.get("title"), str, err)
        return errors[0]

    def assertPointer(self, err, pointer):
        self.assertEqual((err.get("source") or {}).get("pointer"), pointer, err)


# --------------------------------------------------------------------------
# 1. hosted SMS eligibility
# --------------------------------------------------------------------------

# (first last-four of the range, expected eligible_status)
ELIGIBILITY_RANGES = [
    (0, "eligible"),
    (100, "number_can_not_be_wireless"),
    (200, "number_is_not_a_valid_routing_number"),
    (300, "number_can_not_be_in_telnyx"),
    (400, "number_can_not_hosted_with_a_telnyx_subscriber"),
    (500, "billing_account_check_failed"),
    (600, "billing_account_is_abolished"),
    (700, "eligible"),  # held by another account: internal transfer
]


class EligibilityTest(SdkTestCase):
    def check(self, numbers, api=None):
        api = api or acme()
        resp = api.messaging_hosted_number_orders.check_eligibility(phone_numbers=numbers)
        results = resp.phone_numbers
        self.assertIsNotNone(results, "response has no top-level phone_numbers")
        self.assertEqual([r.phone_number for r in results], list(numbers),
                         "one result per number, in request order")
        return results

    def check_one(self, number, api=None):
        return self.check([number], api)[0]

    def assertOutcome(self, result, status, transfer=None):
        self.assertEqual(result.eligible_status, status, fields(result))
        self.assertIs(result.eligible, status == "eligible", fields(result))
        self.assertIsInstance(result.detail, str, fields(result))
        if transfer is not None:
            mentions = "transfer" in result.detail.lower()
            self.assertEqual(mentions, transfer, f"'transfer' in detail: {result.detail!r}")

    def test_magic_ranges(self):
        cases = []
        for start, status in ELIGIBILITY_RANGES:
            for offset in (0, 42, 99):
                cases.append((magic(start + offset), status, start))
        results = self.check([number for number, _, _ in cases])
        for (number, status, start), result in zip(cases, results):
            with self.subTest(number=number):
                transfer = {0: False, 700: True}.get(start)
                self.assertOutcome(result, status, transfer=transfer)

    def test_other_npa(self):
        self.assertOutcome(self.check_one(magic(1, npa="415")), "eligible")
        self.assertOutcome(self.check_one(magic(150, npa="212")), "number_can_not_be_wireless")

    def test_canadian_number_is_not_us(self):
        self.assertOutcome(self.check_one("+14165550001"), "number_is_not_a_us_number")

    def test_uk_number_is_not_us(self):
        self.assertOutcome(self.check_one("+442071234567"), "number_is_not_a_us_number")

    def test_missing_plus_is_not_e164(self):
        self.assertOutcome(self.check_one("3125550001"), "number_is_not_in_e164_format")

    def test_repeated_number(self):
        number = magic(1)
        first, second = self.check([number, number])
        self.assertOutcome(first, "eligible")
        self.assertOutcome(second, "number_can_not_be_repeated")

    def test_results_follow_request_order(self):
        numbers = [magic(650), "+14165550001", magic(5), magic(250), "3125550001", magic(120)]
        expected = [
            "billing_account_is_abolished",
            "number_is_not_a_us_number",
            "eligible",
            "number_is_not_a_valid_routing_number",
            "number_is_not_in_e164_format",
            "number_can_not_be_wireless",
        ]
        results = self.check(numbers)
        self.assertEqual([r.eligible_status for r in results], expected)

    def test_demo_seed_from_acme(self):
        own, theirs = self.check(["+13125552005", "+13125552105"])
        self.assertOutcome(own, "number_can_not_be_active_in_your_account")
        self.assertOutcome(theirs, "eligible", transfer=True)

    def test_demo_seed_from_globex(self):
        theirs, own = self.check(["+13125552005", "+13125552105"], api=globex())
        self.assertOutcome(theirs, "eligible", transfer=True)
        self.assertOutcome(own, "number_can_not_be_active_in_your_account")


# --------------------------------------------------------------------------
# 2. portability checks
# --------------------------------------------------------------------------

# last-four start -> expected fields (only the keys given are checked)
PORTABILITY_RANGES = {
    0: dict(portable=True, fast_portable=False, messaging_capable=True, phone_number_type="landline"),
    100: dict(portable=True, phone_number_type="mobile"),
    200: dict(portable=False),
    800: dict(portable=True, fast_portable=True, phone_number_type="local"),
    900: dict(portable=True, messaging_capable=False),
    1000: dict(portable=False, not_portable_reason="No coverage"),
}


class PortabilityTest(SdkTestCase):
    def run_check(self, numbers):
        resp = acme().portability_checks.run(phone_numbers=numbers)
        self.assertIsNotNone(resp.data, "response has no data")
        self.assertEqual([r.phone_number for r in resp.data], list(numbers),
                         "one result per number, in request order")
        return resp.data

    def test_magic_ranges(self):
        cases = [(magic(start + offset), start)
                 for start in PORTABILITY_RANGES for offset in (0, 37, 99)]
        results = self.run_check([number for number, _ in cases])
        for (number, start), result in zip(cases, results):
            expected = PORTABILITY_RANGES[start]
            with self.subTest(number=number):
                got = fields(result)
                self.assertEqual(result.record_type, "portability_check_result", got)
                for key in ("portable", "fast_portable", "not_portable_reason",
                            "messaging_capable", "carrier_name", "phone_number_type"):
                    self.assertIn(key, got)
                self.assertIsInstance(got["messaging_capable"], bool, got)
                for key, value in expected.items():
                    self.assertEqual(got[key], value, f"{key}: {got}")
                if got["portable"]:
                    self.assertFalse(got["not_portable_reason"], got)
                    self.assertIsInstance(got["carrier_name"], str, got)
                    self.assertTrue(got["carrier_name"], got)
                else:
                    self.assertIsInstance(got["not_portable_reason"], str, got)
                    self.assertTrue(got["not_portable_reason"].strip(), got)
                    self.assertIs(got["fast_portable"], False, got)

    def test_extra_fields_are_attributes(self):
        (result,) = self.run_check([magic(150)])
        self.assertEqual(result.phone_number_type, "mobile")
        self.assertIn("messaging_capable", result.model_extra)
        self.assertIn("carrier_name", result.model_extra)

    def test_status_is_201(self):
        raw = acme().portability_checks.with_raw_response.run(phone_numbers=[magic(1)])
        self.assertEqual(raw.status_code, 201)
        self.assertTrue(raw.parse().data[0].portable)


# --------------------------------------------------------------------------
# 3. messaging profiles
# --------------------------------------------------------------------------

class MessagingProfileTest(SdkTestCase):
    def create_profile(self, api, name, **kwargs):
        kwargs.setdefault("whitelisted_destinations", ["US"])
        profile = api.messaging_profiles.create(name=name, **kwargs).data
        self.assertIsNotNone(profile, "create returned no data")
        self.assertTrue(profile.id)
        self.addCleanup(self.delete_quietly, api, profile.id)
        return profile

    @staticmethod
    def delete_quietly(api, profile_id):
        try:
            api.messaging_profiles.delete(profile_id)
        except telnyx.NotFoundError:
            pass

    def test_create_retrieve_update(self):
        api = acme()
        name = unique("profile")
        created = self.create_profile(api, name, webhook_url="https://example.com/hooks")
        self.assertEqual(created.record_type, "messaging_profile")
        self.assertEqual(created.name, name)
        self.assertEqual(created.whitelisted_destinations, ["US"])
        self.assertEqual(created.webhook_url, "https://example.com/hooks")

        fetched = api.messaging_profiles.retrieve(created.id).data
        self.assertEqual(fetched.id, created.id)
        self.assertEqual(fetched.name, name)
        self.assertEqual(fetched.webhook_url, "https://example.com/hooks")

        new_name = name + "-renamed"
        updated = api.messaging_profiles.update(
            created.id, name=new_name, webhook_failover_url="https://example.com/failover"
        ).data
        self.assertEqual(updated.id, created.id)
        self.assertEqual(updated.name, new_name)
        self.assertEqual(updated.webhook_failover_url, "https://example.com/failover")
        self.assertEqual(updated.webhook_url, "https://example.com/hooks", "unsent fields stay")
        self.assertEqual(updated.whitelisted_destinations, ["US"])

        refetched = api.messaging_profiles.retrieve(created.id).data
        self.assertEqual(refetched.name, new_name)
        self.assertEqual(refetched.webhook_failover_url, "https://example.com/failover")

    def test_list_auto_paginates(self):
        api = acme()
        prefix = unique("page")
        created = {self.create_profile(api, f"{prefix}-{i:02d}").id for i in range(25)}
        self.assertEqual(len(created), 25)

        first = api.messaging_profiles.list(page_size=10, filter_name_contains=prefix)
        self.assertEqual(len(first.data), 10)
        self.assertEqual(first.meta.page_number, 1)
        self.assertEqual(first.meta.total_pages, 3)
        self.assertEqual(getattr(first.meta, "total_results", None), 25)

        pages = list(first.iter_pages())
        self.assertEqual([len(p.data) for p in pages], [10, 10, 5])

        seen = [p.id for p in api.messaging_profiles.list(page_size=10, filter_name_contains=prefix)]
        self.assertEqual(len(seen), 25, "each profile exactly once")
        self.assertEqual(set(seen), created)

    def test_list_filter_name_eq(self):
        api = acme()
        name = unique("eq")
        wanted = self.create_profile(api, name)
        self.create_profile(api, name + "-other")
        listed = list(api.messaging_profiles.list(filter_name_eq=name))
        self.assertEqual([p.id for p in listed], [wanted.id])

    def test_delete(self):
        api = acme()
        profile = self.create_profile(api, unique("delete"))
        deleted = api.messaging_profiles.delete(profile.id).data
        self.assertEqual(deleted.id, profile.id)
        self.assertApiError(telnyx.NotFoundError, 404, api.messaging_profiles.retrieve, profile.id)

    def test_other_account_cannot_see_profile(self):
        api, other = acme(), globex()
        profile = self.create_profile(api, unique("private"))
        self.assertApiError(telnyx.NotFoundError, 404, other.messaging_profiles.retrieve, profile.id)
        self.assertApiError(telnyx.NotFoundError, 404, other.messaging_profiles.delete, profile.id)
        listed = list(other.messaging_profiles.list(filter_name_contains=profile.name))
        self.assertEqual(listed, [])
        self.assertEqual(api.messaging_profiles.retrieve(profile.id).data.id, profile.id)


# --------------------------------------------------------------------------
# 3b. notification profiles, channels, settings and event conditions
# --------------------------------------------------------------------------

HOSTED_SMS_ORDER_UPDATES = "2d6fce63-cacc-4b9d-8db5-6640e9409cde"
INTERNAL_TRANSFER_REQUESTS = "1f14102b-5920-4180-94bf-cea1fbfbf11d"
PORT_IN_NOTIFICATIONS = "666e8bdb-a1e0-4dd9-b1cc-e3abcef9b8db"


class NotificationTest(SdkTestCase):
    def create_profile(self, api, name):
        profile = api.notification_profiles.create(name=name).data
        self.assertTrue(profile.id)
        self.addCleanup(self.delete_quietly, api, profile.id)
        return profile

    @staticmethod
    def delete_quietly(api, profile_id):
        # A profile a failed test left channels in stays (409): the suite is discarded anyway.
        try:
            api.notification_profiles.delete(profile_id)
        except (telnyx.NotFoundError, telnyx.ConflictError):
            pass

    def test_profiles_channels_settings_and_conditions(self):
        api = acme()
        conditions = list(api.notification_event_conditions.list())
        self.assertEqual([c.id for c in conditions],
                         [HOSTED_SMS_ORDER_UPDATES, INTERNAL_TRANSFER_REQUESTS, PORT_IN_NOTIFICATIONS])
        for condition in conditions:
            self.assertEqual(condition.supported_channels, ["email", "webhook"])
            self.assertEqual(condition.associated_record_type, "account")
            self.assertIs(condition.enabled, True)

        name = unique("notify")
        profile = self.create_profile(api, name)
        self.assertEqual(api.notification_profiles.retrieve(profile.id).data.name, name)
        renamed = api.notification_profiles.update(profile.id, name=name + "-2").data
        self.assertEqual(renamed.name, name + "-2")
        self.assertIn(profile.id, [p.id for p in api.notification_profiles.list(page_size=250)])

        email = api.notification_channels.create(
            notification_profile_id=profile.id, channel_type_id="email",
            channel_destination="ops@example.com").data
        self.assertEqual((email.channel_type_id, email.channel_destination, email.notification_profile_id),
                         ("email", "ops@example.com", profile.id))
        webhook = api.notification_channels.create(
            notification_profile_id=profile.id, channel_type_id="webhook",
            channel_destination="https://example.com/notify").data
        self.assertEqual(api.notification_channels.retrieve(webhook.id).data.channel_type_id, "webhook")
        updated = api.notification_channels.update(email.id, channel_destination="oncall@example.com").data
        self.assertEqual(updated.channel_destination, "oncall@example.com")
        emails = list(api.notification_channels.list(
            filter={"channel_type_id": {"eq": "email"}, "notification_profile_id": {"eq": profile.id}}))
        self.assertEqual([c.id for c in emails], [email.id])

        by_email = api.notification_settings.create(
            notification_profile_id=profile.id, notification_channel_id=email.id,
            notification_event_condition_id=HOSTED_SMS_ORDER_UPDATES).data
        self.assertEqual((by_email.status, by_email.associated_record_type, by_email.parameters),
                         ("enabled", "account", []))
        by_webhook = api.notification_settings.create(
            notification_profile_id=profile.id, notification_channel_id=webhook.id,
            notification_event_condition_id=INTERNAL_TRANSFER_REQUESTS, parameters=[]).data
        portal = api.notification_settings.create(
            notification_profile_id=profile.id,
            notification_event_condition_id=PORT_IN_NOTIFICATIONS).data
        self.assertIsNone(portal.notification_channel_id)
        self.assertEqual(api.notification_settings.retrieve(by_webhook.id).data.notification_channel_id,
                         webhook.id)
        mine = list(api.notification_settings.list(filter={"notification_profile_id": {"eq": profile.id}}))
        self.assertEqual({s.id for s in mine}, {by_email.id, by_webhook.id, portal.id})
        of_condition = list(api.notification_settings.list(
            filter={"notification_profile_id": {"eq": profile.id},
                    "notification_event_condition_id": {"eq": PORT_IN_NOTIFICATIONS}}))
        self.assertEqual([s.id for s in of_condition], [portal.id])

        self.assertEqual(api.notification_settings.delete(portal.id).data.id, portal.id)
        self.assertApiError(telnyx.NotFoundError, 404, api.notification_settings.retrieve, portal.id)
        # Nothing in use is deleted: settings first, then channels, then the profile. A 409 is
        # final (x-should-retry: false), so the SDK does not retry it.
        self.assertApiError(telnyx.ConflictError, 409, api.notification_channels.delete, email.id)
        self.assertApiError(telnyx.ConflictError, 409, api.notification_profiles.delete, profile.id)
        for setting in (by_email, by_webhook):
            api.notification_settings.delete(setting.id)
        for channel in (email, webhook):
            self.assertEqual(api.notification_channels.delete(channel.id).data.id, channel.id)
        self.assertEqual(api.notification_profiles.delete(profile.id).data.id, profile.id)
        self.assertApiError(telnyx.NotFoundError, 404, api.notification_profiles.retrieve, profile.id)

    def test_other_account_and_bad_input(self):
        api, other = acme(), globex()
        profile = self.create_profile(api, unique("notify-private"))
        self.assertApiError(telnyx.NotFoundError, 404, other.notification_profiles.retrieve, profile.id)
        err = self.assertApiError(
            telnyx.NotFoundError, 404, other.notification_channels.create,
            notification_profile_id=profile.id, channel_type_id="email",
            channel_destination="x@example.com")
        self.assertPointer(err, "/notification_profile_id")
        err = self.assertApiError(
            telnyx.BadRequestError, 400, api.notification_channels.create,
            notification_profile_id=profile.id, channel_type_id="sms",
            channel_destination="+13125550001")
        self.assertPointer(err, "/channel_type_id")
        err = self.assertApiError(
            telnyx.BadRequestError, 400, api.notification_channels.create,
            notification_profile_id=profile.id, channel_type_id="email",
            channel_destination="not-an-address")
        self.assertPointer(err, "/channel_destination")
        err = self.assertApiError(
            telnyx.NotFoundError, 404, api.notification_settings.create,
            notification_profile_id=profile.id,
            notification_event_condition_id=str(uuid.uuid4()))
        self.assertPointer(err, "/notification_event_condition_id")


# --------------------------------------------------------------------------
# 3c. hosted SMS orders and hosted numbers
# --------------------------------------------------------------------------

# The documents the suite's PDF pre-check reads; both name +13125550001 (magic(1)) and carry a
# signature, so an order for that number gets no warnings.
FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "pdf"
LOA_PDF = FIXTURES / "loa.pdf"
BILL_PDF = FIXTURES / "bill.pdf"

# Upper bound for the background activation after the operator accepts; polled.
ACTIVATION_TIMEOUT = 30.0

# A number can be in one open order at a time (a second order for it is 409), so every test of
# this file orders numbers of its own, all with last four digits in 0001..0099 (ordinary outcomes):
#   0001 the whole life of an order · 0002 documents one at a time · 0010..0016 the list
#   0020..0021 retrieve, delete, another account · 0030..0031 the 409 conflict


def sent_codes(api_key, order_id):
    """The sandbox's record of the codes sent for an order: the newest code per number."""
    status, body = http_json("GET", sandbox_url("/verification_codes"), api_key=api_key,
                             query={"order_id": order_id, "page[size]": 250})
    if status != 200:
        raise AssertionError(f"GET /sandbox/v1/verification_codes answered {status}: {body!r}")
    codes = {}
    for sent in body["data"]:  # newest first
        assert sent["order_id"] == order_id, sent
        codes.setdefault(sent["phone_number"], sent)
    return codes


def operator_accept(order_id):
    """The operator accepts the reviewed order (admin listener, operator key)."""
    return http_json(
        "POST", f"{STATE['admin_url'].rstrip('/')}/operator/v1/hosted_number_orders/{order_id}/actions/accept",
        {}, api_key=STATE["operator_api_key"])


def number_statuses(order):
    return {n.phone_number: n.status for n in order.phone_numbers}


class HostedOrderTest(SdkTestCase):
    """Hosted SMS orders through the SDK: messaging_hosted_number_orders.{check_eligibility,
    create, retrieve, list, delete, create_verification_codes, validate_codes,
    actions.upload_file}, then the hosted number (messaging_hosted_numbers.{list, retrieve,
    update, delete}, messaging_profiles.list_phone_numbers)."""

    def setUp(self):
        self.api = acme()
        self.key = account(STATE, "acme")["api_key"]

    def counting_client(self, api_key, max_retries=2):
        """A client (the SDK's default retries unless told) and the log of every request it
        sends, (method, path): shows how many pages it fetched, and that an answer was not
        retried."""
        sent = []
        http = telnyx.DefaultHttpxClient(
            event_hooks={"request": [lambda request: sent.append((request.method, request.url.path))]})
        api = telnyx.Telnyx(api_key=api_key, base_url=STATE["api_base_url"],
                            max_retries=max_retries, http_client=http)
        self.addCleanup(api.close)
        return api, sent

    def create_profile(self, api=None):
        api = api or self.api
        profile = api.messaging_profiles.create(name=unique("hosted"), whitelisted_destinations=["US"]).data
        self.assertTrue(profile.id)

        def delete_quietly():
            try:
                api.messaging_profiles.delete(profile.id)
            except telnyx.APIStatusError:
                pass  # gone, or still holding a number: the suite is discarded anyway
        self.addCleanup(delete_quietly)
        return profile

    def create_order(self, numbers, api=None, **kwargs):
        api = api or self.api
        order = api.messaging_hosted_number_orders.create(phone_numbers=numbers, **kwargs).data
        self.assertIsNotNone(order, "create returned no data")
        self.assertTrue(order.id, fields(order))
        self.assertEqual(order.record_type, "messaging_hosted_number_order", fields(order))
        self.assertEqual(order.status, "pending", fields(order))
        self.assertEqual([n.phone_number for n in order.phone_numbers], list(numbers), fields(order))
        return order

    def verify(self, order_id, numbers):
        """Sends SMS codes to `numbers`, reads them from the sandbox and validates them."""
        sent = self.api.messaging_hosted_number_orders.create_verification_codes(
            order_id, phone_numbers=numbers, verification_method="sms").data
        self.assertEqual([s.phone_number for s in sent], list(numbers))
        for result in sent:
            self.assertIsNone(result.error, fields(result))
        codes = sent_codes(self.key, order_id)
        entries = [{"phone_number": n, "code": codes[n]["code"]} for n in numbers]
        validated = self.api.messaging_hosted_number_orders.validate_codes(
            order_id, verification_codes=entries).data
        self.assertEqual({r.phone_number: r.status for r in validated.phone_numbers},
                         {n: "verified" for n in numbers})

    def upload(self, order_id, **documents):
        """actions.upload_file with the fixtures named (loa=True, bill=True), passed as paths: the
        SDK sends each as a multipart file part with its file name."""
        paths = {"loa": LOA_PDF, "bill": BILL_PDF}
        files = {part: paths[part] for part, wanted in documents.items() if wanted}
        return self.api.messaging_hosted_number_orders.actions.upload_file(order_id, **files)

    def wait_for_status(self, order_id, status, timeout=ACTIVATION_TIMEOUT):
        return wait_until(
            f"order {order_id} to be {status}",
            lambda: self.api.messaging_hosted_number_orders.retrieve(order_id).data,
            done=lambda order: order.status == status, timeout=timeout, interval=0.1)

    # ---- the whole life of an order ---------------------------------------------------------

    def test_an_order_goes_from_eligibility_to_a_hosted_number_on_its_profile(self):
        api, number = self.api, magic(1)
        profile = self.create_profile()

        (check,) = api.messaging_hosted_number_orders.check_eligibility(phone_numbers=[number]).phone_numbers
        self.assertEqual((check.phone_number, check.eligible, check.eligible_status),
                         (number, True, "eligible"), fields(check))

        created = self.create_order([number], messaging_profile_id=profile.id)
        order_id = created.id
        self.assertEqual(created.messaging_profile_id, profile.id)
        (created_number,) = created.phone_numbers
        self.assertEqual(created_number.record_type, "messaging_hosted_number", fields(created))
        self.assertEqual(created_number.status, "pending", fields(created))
        self.assertTrue(created_number.id, fields(created))

        fetched = api.messaging_hosted_number_orders.retrieve(order_id).data
        self.assertEqual((fetched.id, fetched.status, fetched.messaging_profile_id),
                         (order_id, "pending", profile.id))
        self.assertEqual(number_statuses(fetched), {number: "pending"})

        # Ownership: an SMS code, read from the sandbox's phone network.
        sent = api.messaging_hosted_number_orders.create_verification_codes(
            order_id, phone_numbers=[number], verification_method="sms").data
        self.assertEqual(len(sent), 1, sent)
        self.assertEqual((sent[0].phone_number, sent[0].type, sent[0].error), (number, "sms", None),
                         fields(sent[0]))
        self.assertIsInstance(sent[0].verification_code_id, str, fields(sent[0]))
        delivered = sent_codes(self.key, order_id)[number]
        self.assertEqual((delivered["type"], delivered["verification_code_id"]),
                         ("sms", sent[0].verification_code_id), delivered)
        code = delivered["code"]
        wrong = "".join(str((int(c) + 1) % 10) if c.isdigit() else "x" for c in code)

        rejected = api.messaging_hosted_number_orders.validate_codes(
            order_id, verification_codes=[{"phone_number": number, "code": wrong}]).data
        self.assertEqual(rejected.order_id, order_id)
        self.assertEqual([(r.phone_number, r.status) for r in rejected.phone_numbers],
                         [(number, "rejected")])
        verified = api.messaging_hosted_number_orders.validate_codes(
            order_id, verification_codes=[{"phone_number": number, "code": code}]).data
        self.assertEqual([(r.phone_number, r.status) for r in verified.phone_numbers],
                         [(number, "verified")])
        again = api.messaging_hosted_number_orders.validate_codes(
            order_id, verification_codes=[{"phone_number": number, "code": code}]).data
        self.assertEqual([r.status for r in again.phone_numbers], ["already_verified"])
        after_codes = api.messaging_hosted_number_orders.retrieve(order_id).data
        self.assertEqual(after_codes.status, "pending")
        self.assertEqual(number_statuses(after_codes), {number: "ownership_successful"})

        # Documents: both PDFs in one multipart request.
        uploaded = self.upload(order_id, loa=True, bill=True)
        self.assertEqual(uploaded.data.id, order_id)
        self.assertEqual(uploaded.data.status, "loa_file_successful", uploaded.to_dict())
        self.assertEqual(uploaded.to_dict().get("meta", {}).get("warnings"), [],
                         f"the fixtures name {number} and are signed: {uploaded.to_dict()}")
        self.assertEqual(api.messaging_hosted_number_orders.retrieve(order_id).data.status,
                         "loa_file_successful")

        # The operator accepts; activation runs in the background.
        status, body = operator_accept(order_id)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"]["id"], order_id, body)
        self.assertIn(body["data"]["status"], ("provisioning", "successful"), body)
        done = self.wait_for_status(order_id, "successful")
        self.assertEqual(number_statuses(done), {number: "successful"})
        self.assertEqual(done.messaging_profile_id, profile.id)

        # The hosted number, on the order's profile.
        listed = [n for n in api.messaging_hosted_numbers.list() if n.phone_number == number]
        self.assertEqual(len(listed), 1, "listed once")
        (hosted,) = listed
        self.assertEqual(hosted.record_type, "messaging_phone_number", fields(hosted))
        self.assertEqual(hosted.messaging_profile_id, profile.id, fields(hosted))
        self.assertEqual(hosted.country_code, "US", fields(hosted))
        self.assertTrue(hosted.id, fields(hosted))
        by_filter = list(api.messaging_hosted_numbers.list(filter_phone_number=number))
        self.assertEqual([n.id for n in by_filter], [hosted.id])
        self.assertEqual(api.messaging_hosted_numbers.retrieve(hosted.id).data.phone_number, number)
        self.assertEqual(api.messaging_hosted_numbers.retrieve(number).data.id, hosted.id,
                         "retrieve takes the phone number as well as the id")
        on_profile = list(api.messaging_profiles.list_phone_numbers(profile.id))
        self.assertEqual([(n.id, n.phone_number) for n in on_profile], [(hosted.id, number)])

        # Move it to another profile and tag it.
        other_profile = self.create_profile()
        updated = api.messaging_hosted_numbers.update(
            hosted.id, messaging_profile_id=other_profile.id, tags=["sdk", "hosted"]).data
        self.assertEqual((updated.id, updated.messaging_profile_id), (hosted.id, other_profile.id))
        self.assertEqual(updated.tags, ["sdk", "hosted"])
        refetched = api.messaging_hosted_numbers.retrieve(hosted.id).data
        self.assertEqual((refetched.messaging_profile_id, refetched.tags),
                         (other_profile.id, ["sdk", "hosted"]))
        self.assertEqual([n.id for n in api.messaging_profiles.list_phone_numbers(other_profile.id)],
                         [hosted.id])
        self.assertEqual(list(api.messaging_profiles.list_phone_numbers(profile.id)), [])
        self.assertEqual(
            [n.id for n in api.messaging_hosted_numbers.list(filter_messaging_profile_id=other_profile.id)],
            [hosted.id])
        retagged = api.messaging_hosted_numbers.update(hosted.id, tags=["only"]).data
        self.assertEqual((retagged.tags, retagged.messaging_profile_id), (["only"], other_profile.id),
                         "a field not sent keeps its value")

        # Another account sees none of it.
        other = globex()
        self.assertApiError(telnyx.NotFoundError, 404, other.messaging_hosted_number_orders.retrieve, order_id)
        self.assertApiError(telnyx.NotFoundError, 404, other.messaging_hosted_numbers.retrieve, hosted.id)
        self.assertEqual([n for n in other.messaging_hosted_numbers.list() if n.phone_number == number], [])

        # A successful order is not deleted: 422, final (not retried even with max_retries=2).
        counted, sent_requests = self.counting_client(self.key)
        with self.assertRaises(telnyx.UnprocessableEntityError) as cm:
            counted.messaging_hosted_number_orders.delete(order_id)
        self.assertEqual(cm.exception.status_code, 422)
        self.assertEqual(cm.exception.response.headers.get("x-should-retry"), "false")
        self.assertEqual(cm.exception.body["errors"][0]["code"], "10015", cm.exception.body)
        self.assertEqual(sent_requests, [("DELETE", f"/v2/messaging_hosted_number_orders/{order_id}")],
                         "one request: a 422 is not retried")
        self.assertEqual(api.messaging_hosted_number_orders.retrieve(order_id).data.status, "successful")

        # Deleting the hosted number answers its order, with the number deleted.
        removed = api.messaging_hosted_numbers.delete(hosted.id).data
        self.assertEqual((removed.id, removed.record_type), (order_id, "messaging_hosted_number_order"),
                         fields(removed))
        self.assertEqual(number_statuses(removed), {number: "deleted"})
        self.assertEqual(list(api.messaging_hosted_numbers.list(filter_phone_number=number)), [])
        self.assertApiError(telnyx.NotFoundError, 404, api.messaging_hosted_numbers.retrieve, hosted.id)

    def test_documents_may_come_one_at_a_time(self):
        number = magic(2)
        order = self.create_order([number])
        self.verify(order.id, [number])
        loa_only = self.upload(order.id, loa=True)
        self.assertEqual(loa_only.data.status, "pending", "the bill is still missing")
        bill_too = self.upload(order.id, bill=True)
        self.assertEqual(bill_too.data.status, "loa_file_successful", bill_too.to_dict())
        self.assertEqual(self.api.messaging_hosted_number_orders.retrieve(order.id).data.status,
                         "loa_file_successful")

    # ---- list ---------------------------------------------------------------------------------

    def test_list_auto_paginates_newest_first(self):
        api = self.api
        created = [self.create_order([magic(n)]).id for n in range(10, 17)]
        self.assertEqual(len(set(created)), 7)
        newest_first = list(reversed(created))

        for page_size in (2, 3):
            with self.subTest(page_size=page_size):
                counted, sent = self.counting_client(self.key, max_retries=0)
                first = counted.messaging_hosted_number_orders.list(page_size=page_size)
                total = first.meta.total_results
                self.assertGreaterEqual(total, 7, first.meta)
                self.assertEqual(first.meta.page_number, 1, first.meta)
                self.assertEqual(first.meta.page_size, page_size, first.meta)
                self.assertEqual(first.meta.total_pages, -(-total // page_size), first.meta)
                self.assertEqual(len(first.data), page_size)

                sent.clear()
                seen = [o.id for o in counted.messaging_hosted_number_orders.list(page_size=page_size)]
                self.assertEqual(len(sent), first.meta.total_pages,
                                 f"the SDK fetched every page, one request each: {sent}")
                self.assertEqual(len(seen), total)
                self.assertEqual(len(set(seen)), total, "each order exactly once")
                self.assertEqual([i for i in seen if i in created], newest_first, "newest first")

                pages = list(first.iter_pages())
                sizes = [len(p.data) for p in pages]
                self.assertEqual(sum(sizes), total)
                self.assertTrue(all(s == page_size for s in sizes[:-1]), sizes)
                self.assertEqual([o.id for p in pages for o in p.data], seen, "a stable order")
                self.assertEqual([p.meta.page_number for p in pages], list(range(1, len(pages) + 1)))

        # Another account lists none of them.
        theirs = {o.id for o in globex().messaging_hosted_number_orders.list(page_size=250)}
        self.assertFalse(theirs & set(created))

    # ---- retrieve, delete, another account ----------------------------------------------------

    def test_retrieve_delete_and_another_accounts_order(self):
        api, other = self.api, globex()
        number = magic(20)
        order = self.create_order([number])

        # Another account's order does not exist for this one.
        err = self.assertApiError(telnyx.NotFoundError, 404,
                                  other.messaging_hosted_number_orders.retrieve, order.id)
        self.assertEqual(err["code"], "10005", err)
        self.assertApiError(telnyx.NotFoundError, 404, other.messaging_hosted_number_orders.delete, order.id)
        self.assertApiError(telnyx.NotFoundError, 404,
                            other.messaging_hosted_number_orders.create_verification_codes,
                            order.id, phone_numbers=[number], verification_method="sms")
        self.assertApiError(telnyx.NotFoundError, 404,
                            other.messaging_hosted_number_orders.validate_codes,
                            order.id, verification_codes=[{"phone_number": number, "code": "123456"}])
        self.assertApiError(telnyx.NotFoundError, 404,
                            other.messaging_hosted_number_orders.actions.upload_file,
                            order.id, loa=LOA_PDF)
        self.assertApiError(telnyx.NotFoundError, 404,
                            api.messaging_hosted_number_orders.retrieve, str(uuid.uuid4()))

        fetched = api.messaging_hosted_number_orders.retrieve(order.id).data
        self.assertEqual((fetched.id, fetched.status), (order.id, "pending"))

        deleted = api.messaging_hosted_number_orders.delete(order.id).data
        self.assertEqual((deleted.id, deleted.status), (order.id, "deleted"), fields(deleted))
        self.assertEqual(number_statuses(deleted), {number: "deleted"})
        # A deleted order is gone: retrieving or deleting it again is 404.
        self.assertApiError(telnyx.NotFoundError, 404,
                            api.messaging_hosted_number_orders.retrieve, order.id)
        self.assertApiError(telnyx.NotFoundError, 404,
                            api.messaging_hosted_number_orders.delete, order.id)
        # A deleted order releases its number.
        self.create_order([number])

    def test_a_number_in_an_open_order_is_a_conflict_the_sdk_does_not_retry(self):
        taken, free = magic(30), magic(31)
        self.create_order([taken])
        counted, sent = self.counting_client(account(STATE, "globex")["api_key"])
        with self.assertRaises(telnyx.ConflictError) as cm:
            counted.messaging_hosted_number_orders.create(phone_numbers=[free, taken])
        exc = cm.exception
        self.assertEqual(exc.status_code, 409)
        self.assertEqual(exc.response.headers.get("x-should-retry"), "false")
        (err,) = exc.body["errors"]
        self.assertEqual(err["code"], "10015", err)
        self.assertPointer(err, "/phone_numbers/1")
        self.assertEqual(sent, [("POST", "/v2/messaging_hosted_number_orders")],
                         "one request: a 409 with x-should-retry: false is not retried")
        # The refused order reserved nothing: its other number can still be ordered.
        self.create_order([free], api=globex())


# --------------------------------------------------------------------------
# 4. errors through the SDK
# --------------------------------------------------------------------------

class ErrorTest(SdkTestCase):
    def test_wrong_api_key(self):
        bad = client("KEY-not-a-real-key-" + uuid.uuid4().hex)
        calls = {
            "eligibility": lambda: bad.messaging_hosted_number_orders.check_eligibility(
                phone_numbers=[magic(1)]),
            "portability": lambda: bad.portability_checks.run(phone_numbers=[magic(1)]),
            "profiles": lambda: bad.messaging_profiles.list(),
        }
        for name, call in calls.items():
            with self.subTest(endpoint=name):
                err = self.assertApiError(telnyx.AuthenticationError, 401, call)
                self.assertEqual(err["code"], "10009", err)

    def test_eligibility_string_instead_of_list(self):
        err = self.assertApiError(
            telnyx.BadRequestError, 400,
            acme().messaging_hosted_number_orders.check_eligibility,
            phone_numbers="+13125550001",
        )
        self.assertPointer(err, "/phone_numbers")

    def test_eligibility_too_many_numbers(self):
        numbers = [magic(i) for i in range(1001)]
        err = self.assertApiError(
            telnyx.BadRequestError, 400,
            acme().messaging_hosted_number_orders.check_eligibility,
            phone_numbers=numbers,
        )
        self.assertPointer(err, "/phone_numbers")

    def test_portability_empty_list(self):
        self.assertApiError(
            telnyx.UnprocessableEntityError, 422,
            acme().portability_checks.run, phone_numbers=[],
        )

    def test_profile_create_without_name(self):
        # name is a required keyword in the SDK; telnyx.omit leaves it out of the body.
        err = self.assertApiError(
            telnyx.BadRequestError, 400,
            acme().messaging_profiles.create,
            name=telnyx.omit, whitelisted_destinations=["US"],
        )
        self.assertPointer(err, "/name")


# --------------------------------------------------------------------------
# 5. Idempotency-Key (a header the SDK sends through extra_headers)
# --------------------------------------------------------------------------

class IdempotencyTest(SdkTestCase):
    def test_a_retried_create_returns_the_first_profile(self):
        key = unique("idem")
        name = unique("idem-profile")
        create = lambda **kw: acme().messaging_profiles.create(
            name=name, whitelisted_destinations=["US"],
            extra_headers={"Idempotency-Key": key}, **kw)
        first = create()
        again = create()
        self.assertEqual(again.data.id, first.data.id)
        found = list(acme().messaging_profiles.list(filter_name_eq=name))
        self.assertEqual([p.id for p in found], [first.data.id], "created once")

    def test_the_same_key_for_another_body_is_422(self):
        key = unique("idem")
        acme().messaging_profiles.create(
            name=unique("idem-a"), whitelisted_destinations=["US"],
            extra_headers={"Idempotency-Key": key})
        err = self.assertApiError(
            telnyx.UnprocessableEntityError, 422,
            acme().messaging_profiles.create,
            name=unique("idem-b"), whitelisted_destinations=["US"],
            extra_headers={"Idempotency-Key": key},
        )
        self.assertEqual((err.get("source") or {}).get("parameter"), "Idempotency-Key", err)


# --------------------------------------------------------------------------
# 6. signed webhooks, webhook deliveries, portal notices, the sandbox mailbox
# --------------------------------------------------------------------------

HOSTED_ORDER_UPDATED = "messaging_hosted_numbers_orders.updated"

# Upper bounds only (ARRIVAL_TIMEOUT, 30 s, comes from suite_client): every wait below polls and
# returns as soon as its condition holds. run.sh sets TEXTPORT__NOTIFIER__RETRY_BASE_MS=50, so
# retries come within a second; with the default 5 s base the three attempts of the retry test
# still arrive within about 15 s.
RETRY_TIMEOUT = 60.0


def sandbox_url(path):
    return STATE["sandbox_url"].rstrip("/") + path


def emit_event(account_id, event_type, **fields):
    """POST /sandbox/v1/events: the sandbox emits an event as a service would. Returns data."""
    body = {"account_id": account_id, "event_type": event_type, **fields}
    # /sandbox/v1/… (but magic_numbers) takes any customer key, as the README's examples show.
    status, answer = http_json("POST", sandbox_url("/events"), body,
                               api_key=account(STATE, "acme")["api_key"])
    if status != 202:
        raise AssertionError(f"POST /sandbox/v1/events answered {status}: {answer!r}")
    data = answer["data"]
    assert data["record_type"] == "sandbox_event", data
    assert data["account_id"] == account_id and data["event_type"] == event_type, data
    assert data["id"], data
    return data


def hosted_order_payload(order_id, profile_id=None):
    """A HostedNumberOrderEventPayload (public-api.md §6.3)."""
    return {
        "order_id": order_id,
        "order_status": "pending",
        "profile_id": profile_id,
        "user_id": account(STATE, "acme")["id"],
        "numbers": [{"value": magic(1), "status": "pending"}],
        "decision": "pending",
        "approval_deadline": None,
    }


def other_public_key():
    """A valid Ed25519 public key that signed nothing here."""
    return base64.b64encode(bytes(nacl.signing.SigningKey.generate().verify_key)).decode("ascii")


class Received:
    """One request the receiver got: the exact body bytes and the headers as sent."""

    def __init__(self, path, headers, body, answered):
        self.path = path
        self.headers = headers
        self.body = body
        self.answered = answered

    @property
    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    def __repr__(self):
        return f"Received({self.path} → {self.answered}, {self.body[:200]!r})"


class WebhookReceiver:
    """A webhook endpoint on 127.0.0.1:<free port>: records every POST (raw body bytes and
    headers) and answers each path from its script of statuses, then 200."""

    def __init__(self):
        self._cond = threading.Condition()
        self._received = []
        self._scripts = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._cond:
                    script = receiver._scripts.get(self.path) or []
                    status = script.pop(0) if script else 200
                    receiver._received.append(
                        Received(self.path, dict(self.headers.items()), body, status))
                    receiver._cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def script(self, path, statuses):
        """Answer the next requests to `path` with these statuses, then 200."""
        with self._cond:
            self._scripts[path] = list(statuses)

    def received(self, path):
        with self._cond:
            return [r for r in self._received if r.path == path]

    def wait_for(self, path, count, timeout=ARRIVAL_TIMEOUT):
        """The first `count` requests to `path`, waiting for them (bounded)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                got = [r for r in self._received if r.path == path]
                if len(got) >= count:
                    return got[:count]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{len(got)} of {count} webhook(s) arrived at {path} within {timeout:g}s; "
                        f"everything received: {self._received!r}")
                self._cond.wait(left)

    def close(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class WebhookTest(SdkTestCase):
    def setUp(self):
        self.receiver = WebhookReceiver()
        self.addCleanup(self.receiver.close)
        self.api = acme()
        self.acme_id = account(STATE, "acme")["id"]

    def create_profile(self, path):
        profile = self.api.messaging_profiles.create(
            name=unique("webhooks"), whitelisted_destinations=["US"],
            webhook_url=self.receiver.url(path)).data
        self.addCleanup(MessagingProfileTest.delete_quietly, self.api, profile.id)
        return profile

    def emit_to(self, profile, resource_id, **payload_extra):
        payload = {**hosted_order_payload(resource_id, profile.id), **payload_extra}
        event = emit_event(self.acme_id, HOSTED_ORDER_UPDATED, payload=payload,
                           messaging_profile_id=profile.id, resource_id=resource_id)
        return event, payload

    def delivery_of(self, event_id, done, what):
        """The delivery of one event (found with filter[event_id]) once done(delivery) holds."""
        def probe():
            found = list(self.api.webhook_deliveries.list(filter={"event_id": event_id}))
            return found[0] if len(found) == 1 else found
        return wait_until(
            what, probe, done=lambda d: not isinstance(d, list) and done(d))

    def test_the_sandbox_publishes_the_state_files_key(self):
        key = STATE.get("webhook_public_key")
        self.assertIsInstance(key, str, "the state file has no webhook_public_key")
        self.assertEqual(len(base64.b64decode(key, validate=True)), 32, "a raw 32-byte Ed25519 key")
        status, body = http_json("GET", sandbox_url("/webhook_public_key"),
                                 api_key=account(STATE, "acme")["api_key"])
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"]["record_type"], "webhook_public_key", body)
        self.assertEqual(body["data"]["public_key"], key)

    def test_a_delivered_webhook_verifies_with_the_sdk_and_a_tampered_one_does_not(self):
        path = "/hooks/signed"
        profile = self.create_profile(path)
        order_id = str(uuid.uuid4())
        event, payload = self.emit_to(profile, order_id)
        (got,) = self.receiver.wait_for(path, 1)

        signature = got.header("telnyx-signature-ed25519")
        timestamp = got.header("telnyx-timestamp")
        self.assertIsNotNone(signature, got.headers)
        self.assertIsNotNone(timestamp, got.headers)
        self.assertEqual(len(base64.b64decode(signature, validate=True)), 64, signature)
        self.assertTrue(timestamp.isdigit(), timestamp)
        self.assertLess(abs(time.time() - int(timestamp)), 300, "signed with the wall clock")

        envelope = got.json()
        self.assertEqual(envelope["data"]["id"], event["id"])
        self.assertEqual(envelope["data"]["record_type"], "event")
        self.assertEqual(envelope["data"]["payload"], payload)
        self.assertEqual(envelope["meta"], {"attempt": 1, "delivered_to": self.receiver.url(path)})

        key = STATE["webhook_public_key"]
        unwrapped = self.api.webhooks.unwrap(got.text, headers=got.headers, key=key)
        self.assertEqual(unwrapped.data.id, event["id"])
        self.assertEqual(unwrapped.data.event_type, HOSTED_ORDER_UPDATED)
        self.assertEqual(unwrapped.data.record_type, "event")
        self.assertEqual(unwrapped.to_dict()["data"]["payload"]["order_id"], order_id)
        self.assertEqual(unwrapped.to_dict()["meta"]["attempt"], 1)

        # One changed byte of the body, a changed timestamp, another key: all refused.
        tampered = got.text.replace(order_id, str(uuid.uuid4()))
        self.assertNotEqual(tampered, got.text)
        with self.assertRaises(ValueError):
            self.api.webhooks.unwrap(tampered, headers=got.headers, key=key)
        with self.assertRaises(ValueError):
            self.api.webhooks.unwrap(got.text + " ", headers=got.headers, key=key)
        moved = {**got.headers}
        for name in list(moved):
            if name.lower() == "telnyx-timestamp":
                moved[name] = str(int(timestamp) + 1)
        with self.assertRaises(ValueError):
            self.api.webhooks.unwrap(got.text, headers=moved, key=key)
        with self.assertRaises(ValueError):
            self.api.webhooks.unwrap(got.text, headers=got.headers, key=other_public_key())

        # The key set on the client (public_key=…, as from TELNYX_PUBLIC_KEY) is used by default.
        keyed = telnyx.Telnyx(api_key=account(STATE, "acme")["api_key"], base_url=STATE["api_base_url"],
                              public_key=key, max_retries=0)
        self.assertEqual(keyed.webhooks.unwrap(got.text, headers=got.headers).data.id, event["id"])
        with self.assertRaises(ValueError):
            keyed.webhooks.unwrap(tampered, headers=got.headers)
        wrong = telnyx.Telnyx(api_key=account(STATE, "acme")["api_key"], base_url=STATE["api_base_url"],
                              public_key=other_public_key(), max_retries=0)
        with self.assertRaises(ValueError):
            wrong.webhooks.unwrap(got.text, headers=got.headers)

    def test_webhook_deliveries_list_filter_page_and_retrieve(self):
        path = "/hooks/listed"
        profile = self.create_profile(path)
        resource_id = str(uuid.uuid4())
        marker = unique("marker")
        events = [self.emit_to(profile, resource_id, customer_reference=f"{marker}-{i}")[0]
                  for i in range(3)]
        self.receiver.wait_for(path, 3)
        ids = {e["id"] for e in events}

        # The receiver has answered; the notifier records the outcome right after.
        query = {"status": {"eq": "delivered"}, "resource_id": resource_id}
        delivered = wait_until(
            "3 delivered deliveries", lambda: list(self.api.webhook_deliveries.list(filter=query)),
            done=lambda found: len(found) == 3)
        self.assertEqual({d.webhook.id for d in delivered}, ids)

        first = self.api.webhook_deliveries.list(filter=query, page_size=2)
        self.assertEqual(len(first.data), 2)
        self.assertEqual((first.meta.page_number, first.meta.total_pages), (1, 2))
        pages = list(first.iter_pages())
        self.assertEqual([len(p.data) for p in pages], [2, 1])
        paged = [d.id for p in pages for d in p.data]
        self.assertEqual(len(set(paged)), 3, "each delivery exactly once")
        second = self.api.webhook_deliveries.list(filter=query, page_size=2, page_number=2)
        self.assertEqual([d.id for d in second.data], paged[2:])

        for delivery in delivered:
            with self.subTest(delivery=delivery.id):
                got = self.api.webhook_deliveries.retrieve(delivery.id).data
                raw = got.to_dict()
                self.assertEqual(got.id, delivery.id)
                self.assertEqual(got.record_type, "webhook_delivery")
                self.assertEqual(got.status, "delivered")
                self.assertEqual(got.user_id, self.acme_id)
                self.assertEqual(raw.get("resource_id"), resource_id, raw)
                self.assertIsNone(raw.get("next_attempt_at"), raw)
                self.assertIsNotNone(got.started_at, raw)
                self.assertIsNotNone(got.finished_at, raw)
                self.assertLessEqual(got.started_at, got.finished_at)
                self.assertIn(got.webhook.id, ids)
                self.assertEqual(got.webhook.event_type, HOSTED_ORDER_UPDATED)
                self.assertEqual(got.webhook.record_type, "event")
                self.assertEqual(got.webhook.payload["order_id"], resource_id)
                self.assertEqual(len(got.attempts), 1, raw)
                (attempt,) = got.attempts
                self.assertEqual(attempt.status, "delivered")
                self.assertEqual(attempt.errors, [])
                self.assertEqual(attempt.http.request.url, self.receiver.url(path))
                self.assertEqual(attempt.http.response.status, 200)

        # The other filters of the list.
        one = events[1]
        by_event = list(self.api.webhook_deliveries.list(filter={"event_id": one["id"]}))
        self.assertEqual([d.webhook.id for d in by_event], [one["id"]])
        by_text = list(self.api.webhook_deliveries.list(filter={"webhook": {"contains": f"{marker}-1"}}))
        self.assertEqual([d.webhook.id for d in by_text], [one["id"]])
        by_types = list(self.api.webhook_deliveries.list(filter={
            "event_type": f"messaging_hosted_numbers_orders.deleted,{HOSTED_ORDER_UPDATED}",
            "resource_id": resource_id}))
        self.assertEqual({d.webhook.id for d in by_types}, ids)
        by_other_type = list(self.api.webhook_deliveries.list(filter={
            "event_type": "messaging_hosted_numbers_orders.deleted", "resource_id": resource_id}))
        self.assertEqual(by_other_type, [])
        by_failed = list(self.api.webhook_deliveries.list(filter={
            "status": {"eq": "failed"}, "resource_id": resource_id}))
        self.assertEqual(by_failed, [])
        since = min(d.started_at for d in delivered).isoformat()
        by_time = list(self.api.webhook_deliveries.list(filter={
            "started_at": {"gte": since}, "resource_id": resource_id}))
        self.assertEqual({d.webhook.id for d in by_time}, ids)
        before = "2000-01-01T00:00:00Z"
        self.assertEqual(list(self.api.webhook_deliveries.list(filter={
            "finished_at": {"lte": before}, "resource_id": resource_id})), [])

        # Another account sees none of them.
        self.assertEqual(list(globex().webhook_deliveries.list(filter={"resource_id": resource_id})), [])
        self.assertApiError(telnyx.NotFoundError, 404,
                            globex().webhook_deliveries.retrieve, delivered[0].id)

    def test_failed_attempts_are_retried_and_listed_and_redelivery_keeps_the_event_id(self):
        path = "/hooks/flaky"
        self.receiver.script(path, [500, 500])
        profile = self.create_profile(path)
        resource_id = str(uuid.uuid4())
        event, _ = self.emit_to(profile, resource_id)
        arrived = self.receiver.wait_for(path, 3, timeout=RETRY_TIMEOUT)
        self.assertEqual([r.answered for r in arrived], [500, 500, 200])
        key = STATE["webhook_public_key"]
        for number, got in enumerate(arrived, start=1):
            with self.subTest(attempt=number):
                envelope = got.json()
                self.assertEqual(envelope["data"]["id"], event["id"], "the same event id every time")
                self.assertEqual(envelope["meta"]["attempt"], number)
                self.assertEqual(self.api.webhooks.unwrap(got.text, headers=got.headers, key=key).data.id,
                                 event["id"], "every attempt is signed afresh")

        delivery = self.delivery_of(event["id"], lambda d: d.status == "delivered",
                                    "the retried delivery to be delivered")
        self.assertEqual(len(delivery.attempts), 3, delivery.to_dict())
        newest, *failed = delivery.attempts
        self.assertEqual(newest.status, "delivered")
        self.assertEqual(newest.http.response.status, 200)
        self.assertEqual(newest.errors, [])
        for attempt in failed:
            self.assertEqual(attempt.status, "failed")
            self.assertEqual(attempt.http.response.status, 500)
            self.assertTrue(attempt.errors, "a failed attempt names its error code")
            self.assertEqual(attempt.http.request.url, self.receiver.url(path))
        starts = [a.started_at for a in delivery.attempts]
        self.assertEqual(starts, sorted(starts, reverse=True), "attempts are newest first")

        # Redelivery (no SDK method: the client's generic post) is a new attempt of the same event.
        answer = self.api.post(f"/webhook_deliveries/{delivery.id}/actions/redeliver", cast_to=object)
        self.assertEqual(answer["data"]["id"], delivery.id, answer)
        again = self.receiver.wait_for(path, 4)[3]
        self.assertEqual(again.json()["data"]["id"], event["id"])
        self.assertEqual(again.json()["meta"]["attempt"], 4)
        self.api.webhooks.unwrap(again.text, headers=again.headers, key=key)
        redelivered = self.delivery_of(
            event["id"], lambda d: d.status == "delivered" and len(d.attempts) == 4,
            "the redelivered delivery to list its fourth attempt")
        self.assertEqual(redelivered.attempts[0].status, "delivered")


class MailboxAndNoticeTest(SdkTestCase):
    """A hosted-order update for an account whose settings select the hosted SMS order updates
    condition with an e-mail channel: the sandbox mailbox gets the e-mail, the portal a notice."""

    def test_a_hosted_order_update_is_mailed_and_noticed(self):
        api = acme()
        address = f"{unique('mail')}@example.com"
        profile = api.notification_profiles.create(name=unique("mail")).data
        self.addCleanup(NotificationTest.delete_quietly, api, profile.id)
        channel = api.notification_channels.create(
            notification_profile_id=profile.id, channel_type_id="email",
            channel_destination=address).data
        self.addCleanup(self.quietly, api.notification_channels.delete, channel.id)
        setting = api.notification_settings.create(
            notification_profile_id=profile.id, notification_channel_id=channel.id,
            notification_event_condition_id=HOSTED_SMS_ORDER_UPDATES).data
        self.addCleanup(self.quietly, api.notification_settings.delete, setting.id)

        resource_id = str(uuid.uuid4())
        event = emit_event(account(STATE, "acme")["id"], HOSTED_ORDER_UPDATED,
                           payload=hosted_order_payload(resource_id), resource_id=resource_id)
        subject = f"textport: {HOSTED_ORDER_UPDATED} for {resource_id}"

        def mailbox():
            status, body = http_json("GET", sandbox_url("/mailbox"), query={"filter[to]": address},
                                     api_key=account(STATE, "acme")["api_key"])
            self.assertEqual(status, 200, body)
            return body["data"]
        mails = wait_until(f"an e-mail to {address} in the sandbox mailbox", mailbox)
        self.assertEqual(len(mails), 1, mails)
        (mail,) = mails
        self.assertEqual(mail["record_type"], "sandbox_email", mail)
        self.assertEqual((mail["to"], mail["subject"]), (address, subject), mail)
        self.assertEqual((mail["event_id"], mail["account_id"]),
                         (event["id"], account(STATE, "acme")["id"]), mail)
        self.assertIn(resource_id, mail["body_text"], mail)
        self.assertTrue(mail["sent_at"], mail)

        key = account(STATE, "acme")["api_key"]

        def notices(read=None):
            query = {"page[size]": 250} if read is None else {"page[size]": 250, "filter[read]": read}
            status, body = http_json("GET", STATE["api_base_url"] + "/portal_notices",
                                     api_key=key, query=query)
            self.assertEqual(status, 200, body)
            return [n for n in body["data"] if n["event_id"] == event["id"]]
        (notice,) = wait_until("a portal notice of the event", notices)
        self.assertEqual(notice["record_type"], "portal_notice", notice)
        self.assertEqual(notice["event_type"], HOSTED_ORDER_UPDATED, notice)
        self.assertEqual(notice["title"], subject, notice)
        self.assertIs(notice["read"], False, notice)
        self.assertEqual(len(notices("false")), 1)
        self.assertEqual(notices("true"), [])
        status, body = http_json(
            "POST", f"{STATE['api_base_url']}/portal_notices/{notice['id']}/actions/mark_read",
            api_key=key)
        self.assertEqual(status, 200, body)
        self.assertIs(body["data"]["read"], True, body)
        self.assertTrue(body["data"]["read_at"], body)
        self.assertEqual(notices("false"), [])
        self.assertEqual([n["id"] for n in notices("true")], [notice["id"]])
        # Another account's key does not mark it.
        status, body = http_json(
            "POST", f"{STATE['api_base_url']}/portal_notices/{notice['id']}/actions/mark_read",
            api_key=account(STATE, "globex")["api_key"])
        self.assertEqual(status, 404, body)

    @staticmethod
    def quietly(delete, id_):
        try:
            delete(id_)
        except telnyx.NotFoundError:
            pass


# --------------------------------------------------------------------------
# 7. internal transfer between accounts
# --------------------------------------------------------------------------

ORDER_CREATED = "messaging_hosted_numbers_orders.created"
TRANSFER_DETECTED = "messaging_hosted_numbers_orders.internal_transfer_detected"
TRANSFER_APPROVAL_REQUESTED = "messaging_hosted_numbers_orders.internal_transfer_approval_requested"
TRANSFER_APPROVED = "messaging_hosted_numbers_orders.internal_transfer_approved"

# The approval window (transfer_approval.approval_window_hours, 72 by default).
APPROVAL_WINDOW = 72 * 3600


def approval_token(order_id):
    """The one-time token from globex's approval e-mail about `order_id`: read from the sandbox
    mailbox (admin listener, globex's key), the first `token=…` after the order id."""
    holder = account(STATE, "globex")
    url = f"{STATE['admin_url'].rstrip('/')}/sandbox/v1/mailbox"

    def probe():
        status, body = http_json("GET", url, api_key=holder["api_key"],
                                 query={"filter[to]": holder["email"]})
        if status != 200:
            raise AssertionError(f"GET /sandbox/v1/mailbox answered {status}: {body!r}")
        for mail in body["data"]:
            text = mail.get("body_text") or ""
            at = text.find(order_id)
            if at < 0:
                continue
            found = re.search(r"token=([A-Za-z0-9_-]+)", text[at:])
            if found:
                return mail, found.group(1)
        return None
    return wait_until(f"the approval e-mail about order {order_id} to {holder['email']}", probe)


class InternalTransferTest(SdkTestCase):
    """acme orders a number globex holds (up's demo holdings, +13125552100..2199): acme's profile
    hears the transfer's webhooks (verified with client.webhooks.unwrap), globex approves with
    the token from its e-mail through the client's generic post (the SDK has no method for it).

    Numbers: +13125552140 (the Node SDK test uses 2141..2142, the e2e tests 2105..2120)."""

    def setUp(self):
        self.receiver = WebhookReceiver()
        self.addCleanup(self.receiver.close)
        self.public_key = STATE["webhook_public_key"]
        # The key set on the client (as from TELNYX_PUBLIC_KEY): unwrap uses it by default.
        self.api = telnyx.Telnyx(api_key=account(STATE, "acme")["api_key"], base_url=STATE["api_base_url"],
                                 public_key=self.public_key, max_retries=0)
        self.addCleanup(self.api.close)

    def counting_client(self, api_key, max_retries=2):
        """A client with the SDK's default retries and the log of every request it sends,
        (method, path): shows that an answer was not retried."""
        sent = []
        http = telnyx.DefaultHttpxClient(
            event_hooks={"request": [lambda request: sent.append((request.method, request.url.path))]})
        api = telnyx.Telnyx(api_key=api_key, base_url=STATE["api_base_url"],
                            max_retries=max_retries, http_client=http)
        self.addCleanup(api.close)
        return api, sent

    def webhook(self, path, event_type):
        """The first webhook of `event_type` at `path` (waiting, bounded)."""
        def probe():
            return [r for r in self.receiver.received(path) if r.json()["data"]["event_type"] == event_type]
        return wait_until(f"a {event_type} webhook at {path}", probe)[0]

    def verified(self, got, order_id):
        """The webhook as client.webhooks.unwrap returns it (a dict), after checking that unwrap
        refuses the same body with the order id changed."""
        event = self.api.webhooks.unwrap(got.text, headers=got.headers).to_dict()
        envelope = got.json()
        self.assertEqual(event["data"]["id"], envelope["data"]["id"])
        self.assertEqual(event["data"]["event_type"], envelope["data"]["event_type"])
        self.assertEqual(event["data"]["record_type"], "event")
        self.assertEqual(event["data"]["payload"]["order_id"], order_id, event)
        tampered = got.text.replace(order_id, str(uuid.uuid4()))
        self.assertNotEqual(tampered, got.text)
        with self.assertRaises(ValueError):
            self.api.webhooks.unwrap(tampered, headers=got.headers)
        with self.assertRaises(ValueError):
            self.api.webhooks.unwrap(got.text, headers=got.headers, key=other_public_key())
        return event

    def test_the_holder_approves_with_the_token_from_its_email(self):
        number = magic(2140)
        path = "/hooks/transfer"
        profile = self.api.messaging_profiles.create(
            name=unique("transfer"), whitelisted_destinations=["US"],
            webhook_url=self.receiver.url(path)).data

        def delete_quietly():
            try:
                self.api.messaging_profiles.delete(profile.id)
            except telnyx.APIStatusError:
                pass  # gone, or still in use: the suite is discarded anyway
        self.addCleanup(delete_quietly)

        (check,) = self.api.messaging_hosted_number_orders.check_eligibility(
            phone_numbers=[number]).phone_numbers
        self.assertEqual(check.eligible_status, "eligible", fields(check))
        self.assertIn("transfer", check.detail.lower(), fields(check))

        order = self.api.messaging_hosted_number_orders.create(
            phone_numbers=[number], messaging_profile_id=profile.id).data
        order_id = order.id
        self.assertEqual((order.status, order.messaging_profile_id), ("pending", profile.id), fields(order))
        self.assertEqual([n.phone_number for n in order.phone_numbers], [number], fields(order))
        created_at = time.time()

        # The receiver hears the order, the transfer, and the open approval request.
        created = self.verified(self.webhook(path, ORDER_CREATED), order_id)
        self.assertEqual(created["data"]["event_type"], ORDER_CREATED)
        self.assertEqual(created["data"]["payload"]["profile_id"], profile.id, created)
        detected = self.verified(self.webhook(path, TRANSFER_DETECTED), order_id)
        self.assertEqual(detected["data"]["event_type"], TRANSFER_DETECTED)
        self.assertEqual([n["value"] for n in detected["data"]["payload"]["numbers"]], [number], detected)
        requested = self.verified(self.webhook(path, TRANSFER_APPROVAL_REQUESTED), order_id)
        payload = requested["data"]["payload"]
        self.assertEqual(payload["decision"], "pending", requested)
        deadline = payload["approval_deadline"]
        self.assertIsInstance(deadline, int, requested)
        self.assertNotIsInstance(deadline, bool, requested)
        self.assertLess(abs(deadline - (created_at + APPROVAL_WINDOW)), 120,
                        f"approval_deadline {deadline} is not about 72 h after the order")

        # The holder's e-mail carries the token; no webhook to the receiver does.
        mail, token = approval_token(order_id)
        self.assertIn(number, mail["body_text"], mail)
        self.assertGreaterEqual(len(token), 40, token)
        for got in self.receiver.received(path):
            self.assertNotIn(token, got.text, "a webhook carries the token")

        # Until the holder approves, the receiver cannot prove ownership: no code is sent.
        (early,) = self.api.messaging_hosted_number_orders.create_verification_codes(
            order_id, phone_numbers=[number], verification_method="sms").data
        self.assertIsInstance(early.error, str, fields(early))

        approve = f"/messaging_hosted_number_orders/{order_id}/approve"
        approve_path = f"/v2{approve}"

        # The receiver's own key: 403, final (not retried even with max_retries=2).
        receiver_api, sent = self.counting_client(account(STATE, "acme")["api_key"])
        err = self.assertApiError(telnyx.PermissionDeniedError, 403, receiver_api.post, approve,
                                  cast_to=object, options={"params": {"token": token}})
        self.assertEqual(err["code"], "10010", err)
        self.assertEqual(sent, [("POST", approve_path)], "one request: a 403 is not retried")

        # The holder approves with its key and the token (the right one stays usable after the 403).
        holder_api, sent = self.counting_client(account(STATE, "globex")["api_key"])
        answer = holder_api.post(approve, cast_to=object, options={"params": {"token": token}})
        self.assertEqual(sent, [("POST", approve_path)])
        data = answer["data"]
        self.assertEqual(data["id"], order_id, answer)
        self.assertEqual([n["phone_number"] for n in data["phone_numbers"]], [number], answer)
        self.assertIsNone(data.get("messaging_profile_id"), "the holder sees no profile of the receiver")

        # The token works once: 422, final.
        sent.clear()
        with self.assertRaises(telnyx.UnprocessableEntityError) as cm:
            holder_api.post(approve, cast_to=object, options={"params": {"token": token}})
        exc = cm.exception
        self.assertEqual(exc.status_code, 422)
        self.assertEqual(exc.response.headers.get("x-should-retry"), "false")
        self.assertEqual(exc.body["errors"][0]["code"], "10015", exc.body)
        self.assertEqual(sent, [("POST", approve_path)], "one request: a 422 is not retried")

        approved = self.verified(self.webhook(path, TRANSFER_APPROVED), order_id)
        self.assertEqual(approved["data"]["event_type"], TRANSFER_APPROVED)
        self.assertEqual(approved["data"]["payload"]["decision"], "approved", approved)

        # Approved: the receiver can now prove ownership of the number.
        (codes,) = self.api.messaging_hosted_number_orders.create_verification_codes(
            order_id, phone_numbers=[number], verification_method="sms").data
        self.assertIsNone(codes.error, fields(codes))


# --------------------------------------------------------------------------
# 8. porting orders, porting phone numbers and messaging on port-in
# --------------------------------------------------------------------------

# The porting tests use area code 646, which no other test here uses (the Node SDK test uses
# 718). A number may be in one open porting order at a time, so each test has numbers of its own
# (last four digits; all ordinary numbers, whose NNID the losing carrier releases at the FOC,
# but for 0150 (wireless) and 0950 (a carrier that cannot port messaging)):
#   0001, 0150, 0950 the portability check · 0002, 0151 the split, retrieve, update and delete
#   · 0010..0014 the list · 0020..0022, 0951 the refusals · 0030..0031 the port with messaging
#   · 0040 the confirmed order that is not deleted
PORTING_NPA = "646"

MESSAGING_CHANGED = "porting_order.messaging_changed"
STATUS_CHANGED = "porting_order.status_changed"
PORTING_ORDER_DELETED = "porting_order.deleted"

# How the order's messaging may move on a port whose NNIDs all come at the FOC.
MESSAGING_STEPS = ["pending", "activating", "ported"]


def porting_number(last4):
    return magic(last4, npa=PORTING_NPA)


def rfc3339(seconds_from_now):
    """A time `seconds_from_now` away on the wall clock, as RFC 3339 with millis and `Z`."""
    moment = time.gmtime(time.time() + seconds_from_now)
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", moment)


def sandbox_porting_step(order_id, step, body=None):
    """Moves a porting order as the losing carrier would: POST
    /sandbox/v1/porting_orders/{id}/actions/{step} on the admin listener, with the customer key.
    Returns the order (a dict)."""
    url = f"{STATE['admin_url'].rstrip('/')}/sandbox/v1/porting_orders/{order_id}/actions/{step}"
    status, answer = http_json("POST", url, body if body is not None else {},
                               api_key=account(STATE, "acme")["api_key"])
    if status != 200:
        raise AssertionError(f"POST /sandbox/v1/porting_orders/{order_id}/actions/{step} "
                             f"answered {status}: {answer!r}")
    return answer["data"]


class PortingTest(SdkTestCase):
    """Porting orders with messaging through the SDK: portability_checks.run,
    porting_orders.{create, retrieve, update, list, delete, actions.confirm, actions.cancel},
    porting_phone_numbers.list; the losing carrier through the sandbox's HTTP steps; the order's
    webhooks (porting_order.messaging_changed above all) verified with client.webhooks.unwrap."""

    def setUp(self):
        self.api = acme()
        self.addCleanup(self.api.close)
        self.key = account(STATE, "acme")["api_key"]
        self.receiver = WebhookReceiver()
        self.addCleanup(self.receiver.close)
        self.public_key = STATE["webhook_public_key"]

    # ---- helpers ------------------------------------------------------------------------------

    def counting_client(self, api_key=None, max_retries=2):
        """A client (the SDK's default retries unless told) and the log of every request it
        sends, (method, path): shows how many pages it fetched, and that an answer was not
        retried."""
        sent = []
        http = telnyx.DefaultHttpxClient(
            event_hooks={"request": [lambda request: sent.append((request.method, request.url.path))]})
        api = telnyx.Telnyx(api_key=api_key or self.key, base_url=STATE["api_base_url"],
                            max_retries=max_retries, http_client=http)
        self.addCleanup(api.close)
        return api, sent

    def create_orders(self, numbers, count, **kwargs):
        """porting_orders.create, checked: 201, `data` a list of `count` draft orders."""
        raw = self.api.porting_orders.with_raw_response.create(phone_numbers=numbers, **kwargs)
        self.assertEqual(raw.status_code, 201)
        orders = raw.parse().data
        self.assertIsInstance(orders, list, "create answers a list of orders")
        self.assertEqual(len(orders), count, [fields(o) for o in orders])
        for order in orders:
            got = fields(order)
            self.assertTrue(order.id, got)
            self.assertEqual(order.record_type, "porting_order", got)
            self.assertEqual(order.status.value, "draft", got)
            self.assertIsNone(order.support_key, got)
        return orders

    def create_profile(self, webhook_path=None):
        kwargs = {"webhook_url": self.receiver.url(webhook_path)} if webhook_path else {}
        profile = self.api.messaging_profiles.create(
            name=unique("porting"), whitelisted_destinations=["US"], **kwargs).data
        self.assertTrue(profile.id)

        def delete_quietly():
            try:
                self.api.messaging_profiles.delete(profile.id)
            except telnyx.APIStatusError:
                pass  # gone, or still holding a number: the suite is discarded anyway
        self.addCleanup(delete_quietly)
        return profile

    def assertMessaging(self, order, capable, enabled, status, completed):
        self.assertIsNotNone(order.messaging, fields(order))
        self.assertEqual(
            (order.messaging.messaging_capable, order.messaging.enable_messaging,
             order.messaging.messaging_port_status, order.messaging.messaging_port_completed),
            (capable, enabled, status, completed), fields(order))

    def assertPhoneNumbersUrl(self, response, order_id):
        self.assertIsNotNone(response.meta, response.to_dict())
        self.assertEqual(response.meta.phone_numbers_url,
                         f"/porting_phone_numbers?filter[porting_order_id]={order_id}")

    def webhooks_of(self, path, event_type, done=bool, what=None):
        """The webhooks of `event_type` at `path` in the order they were emitted (event ids are
        UUIDv7), waiting (bounded) until done(list) holds."""
        def probe():
            found = [r for r in self.receiver.received(path)
                     if r.json()["data"]["event_type"] == event_type]
            return sorted(found, key=lambda r: r.json()["data"]["id"])
        return wait_until(what or f"{event_type} webhooks at {path}", probe, done=done)

    def verified(self, got, order_id):
        """The webhook as client.webhooks.unwrap returns it (a dict), after checking that unwrap
        refuses the body with the order id changed, and the right body under another key."""
        event = self.api.webhooks.unwrap(got.text, headers=got.headers, key=self.public_key).to_dict()
        envelope = got.json()
        self.assertEqual(event["data"]["id"], envelope["data"]["id"])
        self.assertEqual(event["data"]["event_type"], envelope["data"]["event_type"])
        self.assertEqual(event["data"]["record_type"], "event")
        self.assertEqual(event["data"]["payload"]["id"], order_id, event)
        self.assertIsInstance(event["meta"]["attempt"], int, event)
        self.assertEqual(event["meta"]["delivered_to"], self.receiver.url(got.path), event)
        tampered = got.text.replace(order_id, str(uuid.uuid4()))
        self.assertNotEqual(tampered, got.text)
        with self.assertRaises(ValueError):
            self.api.webhooks.unwrap(tampered, headers=got.headers, key=self.public_key)
        with self.assertRaises(ValueError):
            self.api.webhooks.unwrap(got.text, headers=got.headers, key=other_public_key())
        return event

    # ---- portability check ----------------------------------------------------------------------

    def test_portability_check_answers_201_with_the_messaging_fields_as_attributes(self):
        landline, wireless, legacy = porting_number(1), porting_number(150), porting_number(950)
        raw = self.api.portability_checks.with_raw_response.run(phone_numbers=[landline, wireless, legacy])
        self.assertEqual(raw.status_code, 201)
        results = raw.parse().data
        self.assertEqual([r.phone_number for r in results], [landline, wireless, legacy])
        for result in results:
            with self.subTest(number=result.phone_number):
                got = fields(result)
                self.assertEqual(result.record_type, "portability_check_result", got)
                self.assertIs(result.portable, True, got)
                self.assertFalse(result.not_portable_reason, got)
                # Beyond the SDK's model: kept, and reachable as attributes.
                self.assertIsInstance(result.messaging_capable, bool, got)
                self.assertIsInstance(result.carrier_name, str, got)
                self.assertTrue(result.carrier_name, got)
                self.assertIn("carrier_name", result.model_extra)
        self.assertEqual([r.phone_number_type for r in results], ["landline", "mobile", "landline"])
        self.assertEqual([r.messaging_capable for r in results], [True, True, False])
        self.assertEqual(len({r.carrier_name for r in results}), 3, "three carriers")

    # ---- create, retrieve, update, delete -----------------------------------------------------

    def test_create_splits_by_carrier_and_type_then_retrieve_update_and_delete_the_drafts(self):
        api = self.api
        landline, wireless = porting_number(2), porting_number(151)
        checks = {r.phone_number: r for r in api.portability_checks.run(phone_numbers=[landline, wireless]).data}
        reference = unique("porting-ref")
        landline_order, wireless_order = self.create_orders(
            [landline, wireless], 2, customer_reference=reference)
        self.assertNotEqual(landline_order.id, wireless_order.id)
        for order, number in ((landline_order, landline), (wireless_order, wireless)):
            with self.subTest(number=number):
                got = fields(order)
                self.assertEqual(order.phone_number_type, checks[number].phone_number_type, got)
                self.assertEqual(order.porting_phone_numbers_count, 1, got)
                self.assertEqual(order.customer_reference, reference, got)
                self.assertIsNone(order.phone_numbers, "phone_numbers only with include_phone_numbers")
                self.assertMessaging(order, checks[number].messaging_capable, None, "not_applicable", False)
        self.assertEqual((landline_order.phone_number_type, wireless_order.phone_number_type),
                         ("landline", "mobile"))

        # retrieve: the draft, its messaging object and meta.phone_numbers_url.
        fetched = api.porting_orders.retrieve(landline_order.id)
        order = fetched.data
        self.assertEqual((order.id, order.status.value, order.support_key),
                         (landline_order.id, "draft", None), fields(order))
        self.assertEqual(order.status.details, [], fields(order))
        self.assertMessaging(order, True, None, "not_applicable", False)
        self.assertIsNone(order.webhook_url, fields(order))
        self.assertIsNone(order.phone_number_configuration.messaging_profile_id, fields(order))
        self.assertPhoneNumbersUrl(fetched, landline_order.id)
        with_numbers = api.porting_orders.retrieve(landline_order.id, include_phone_numbers=True).data
        (listed_number,) = with_numbers.phone_numbers
        self.assertEqual(listed_number.record_type, "porting_phone_number", fields(listed_number))
        self.assertEqual((listed_number.phone_number, listed_number.porting_order_id,
                          listed_number.porting_order_status),
                         (landline, landline_order.id, "draft"), fields(listed_number))
        self.assertEqual(listed_number.messaging_port_status, "not_applicable", fields(listed_number))
        self.assertEqual(listed_number.carrier_name, checks[landline].carrier_name, fields(listed_number))

        # update: enable messaging (and the order's webhook URL), then the profile in a later
        # PATCH, as the seed's flow does; each PATCH keeps what it does not send.
        path = "/hooks/porting-draft"
        hook = self.receiver.url(path)
        profile = self.create_profile()
        enabled = api.porting_orders.update(
            landline_order.id, messaging={"enable_messaging": True}, webhook_url=hook)
        self.assertMessaging(enabled.data, True, True, "pending", False)
        self.assertEqual(enabled.data.webhook_url, hook)
        self.assertEqual(enabled.data.status.value, "draft")
        self.assertPhoneNumbersUrl(enabled, landline_order.id)
        profiled = api.porting_orders.update(
            landline_order.id, phone_number_configuration={"messaging_profile_id": profile.id})
        self.assertEqual(profiled.data.phone_number_configuration.messaging_profile_id, profile.id)
        self.assertEqual(profiled.data.phone_number_configuration.tags, [])
        self.assertMessaging(profiled.data, True, True, "pending", False)
        self.assertEqual(profiled.data.webhook_url, hook, "a PATCH keeps what it does not send")
        self.assertPhoneNumbersUrl(profiled, landline_order.id)
        refetched = api.porting_orders.retrieve(landline_order.id).data
        self.assertEqual(refetched.phone_number_configuration.messaging_profile_id, profile.id)
        self.assertMessaging(refetched, True, True, "pending", False)
        self.assertEqual(refetched.webhook_url, hook)
        self.assertEqual(refetched.customer_reference, reference)
        # A profile that is not the caller's: 404 naming it.
        err = self.assertApiError(
            telnyx.NotFoundError, 404, api.porting_orders.update, landline_order.id,
            phone_number_configuration={"messaging_profile_id": str(uuid.uuid4())})
        self.assertPointer(err, "/phone_number_configuration/messaging_profile_id")
        self.assertEqual(api.porting_orders.retrieve(landline_order.id).data
                         .phone_number_configuration.messaging_profile_id, profile.id)

        # Enabling messaging is signed to the order's webhook URL.
        (changed,) = self.webhooks_of(path, MESSAGING_CHANGED)
        event = self.verified(changed, landline_order.id)
        self.assertEqual(event["data"]["payload"], {
            "id": landline_order.id, "customer_reference": reference, "support_key": None,
            "messaging": {"messaging_capable": True, "enable_messaging": True,
                          "messaging_port_status": "pending", "messaging_port_completed": False}},
            event)

        # Another account sees none of it.
        other = globex()
        self.addCleanup(other.close)
        err = self.assertApiError(telnyx.NotFoundError, 404, other.porting_orders.retrieve, landline_order.id)
        self.assertEqual(err["code"], "10005", err)
        self.assertApiError(telnyx.NotFoundError, 404, other.porting_orders.delete, landline_order.id)
        self.assertApiError(telnyx.NotFoundError, 404, other.porting_orders.update, landline_order.id,
                            customer_reference="not-yours")

        # delete: a draft goes (204, no body) and is gone.
        raw = api.porting_orders.with_raw_response.delete(landline_order.id)
        self.assertEqual(raw.status_code, 204)
        self.assertIsNone(raw.parse())
        self.assertIsNone(api.porting_orders.delete(wireless_order.id))
        for gone in (landline_order.id, wireless_order.id):
            err = self.assertApiError(telnyx.NotFoundError, 404, api.porting_orders.retrieve, gone)
            self.assertEqual(err["code"], "10005", err)
        self.assertApiError(telnyx.NotFoundError, 404, api.porting_orders.delete, landline_order.id)
        self.assertEqual(list(api.porting_orders.list(filter={"customer_reference": reference})), [])
        (deleted,) = self.webhooks_of(path, PORTING_ORDER_DELETED)
        event = self.verified(deleted, landline_order.id)
        payload = event["data"]["payload"]
        self.assertEqual((payload["record_type"], payload["customer_reference"]),
                         ("porting_order", reference), event)
        for key in ("created_at", "updated_at", "deleted_at"):
            self.assertIsInstance(payload.get(key), str, event)

        # A deleted order releases its numbers.
        (again,) = self.create_orders([landline], 1)
        self.assertIsNone(api.porting_orders.delete(again.id))

    # ---- list -----------------------------------------------------------------------------------

    def test_list_auto_paginates_and_filters(self):
        reference = unique("porting-list")
        numbers = [porting_number(n) for n in range(10, 15)]
        created = [self.create_orders([number], 1, customer_reference=reference)[0].id for number in numbers]
        self.assertEqual(len(set(created)), 5)
        query = {"customer_reference": reference}

        counted, sent = self.counting_client(max_retries=0)
        first = counted.porting_orders.list(filter=query, page_size=2)
        self.assertEqual([len(first.data), first.meta.page_number, first.meta.total_pages],
                         [2, 1, 3], first.to_dict())
        self.assertEqual(first.meta.total_results, 5, first.to_dict())
        self.assertEqual(first.meta.page_size, 2, first.to_dict())
        self.assertTrue(first.has_next_page())

        sent.clear()
        seen = [o.id for o in counted.porting_orders.list(filter=query, page_size=2)]
        self.assertEqual(sent, [("GET", "/v2/porting_orders")] * 3, "one request per page")
        self.assertEqual(seen, list(reversed(created)), "each order once, newest first (the default)")
        pages = list(counted.porting_orders.list(filter=query, page_size=1).iter_pages())
        self.assertEqual([p.meta.page_number for p in pages], [1, 2, 3, 4, 5])
        self.assertEqual([o.id for p in pages for o in p.data], seen, "a stable order")
        oldest_first = [o.id for o in self.api.porting_orders.list(
            filter=query, sort={"value": "created_at"}, page_size=2)]
        self.assertEqual(oldest_first, created)

        # The other filters: a part of a number; include_phone_numbers.
        by_number = list(self.api.porting_orders.list(
            filter={"phone_numbers": {"phone_number": {"contains": numbers[2][2:]}}}))
        self.assertEqual([o.id for o in by_number], [created[2]])
        combined = list(self.api.porting_orders.list(filter={
            "customer_reference": reference, "phone_numbers": {"country_code": "US"}},
            include_phone_numbers=True, page_size=2))
        self.assertEqual([o.id for o in combined], seen)
        self.assertEqual([[n.phone_number for n in o.phone_numbers] for o in combined],
                         [[n] for n in reversed(numbers)])

        # Another account lists none of them; a bad sort is 422 naming the parameter.
        other = globex()
        self.addCleanup(other.close)
        self.assertEqual(list(other.porting_orders.list(filter=query)), [])
        err = self.assertApiError(telnyx.UnprocessableEntityError, 422, self.api.porting_orders.list,
                                  sort={"value": "phone_number"})
        self.assertEqual((err.get("source") or {}).get("parameter"), "sort[value]", err)

    # ---- refusals -------------------------------------------------------------------------------

    def test_create_and_update_refusals_are_422_with_a_pointer(self):
        api = self.api
        err = self.assertApiError(telnyx.UnprocessableEntityError, 422,
                                  api.porting_orders.create, phone_numbers=[])
        self.assertEqual(err["code"], "10015", err)
        self.assertPointer(err, "/phone_numbers")
        err = self.assertApiError(telnyx.UnprocessableEntityError, 422, api.porting_orders.create,
                                  phone_numbers=[porting_number(20), porting_number(20)[1:]])
        self.assertEqual(err["code"], "10016", err)
        self.assertPointer(err, "/phone_numbers/1")

        # A carrier that cannot port messaging: the order is not capable, and enabling is refused.
        (legacy,) = self.create_orders([porting_number(951)], 1)
        self.assertMessaging(legacy, False, None, "not_applicable", False)
        err = self.assertApiError(telnyx.UnprocessableEntityError, 422, api.porting_orders.update,
                                  legacy.id, messaging={"enable_messaging": True})
        self.assertPointer(err, "/messaging/enable_messaging")
        self.assertIsNone(api.porting_orders.retrieve(legacy.id).data.messaging.enable_messaging)

        # Messaging enabled without a profile: confirming is refused, once (a 422 is final).
        (order,) = self.create_orders([porting_number(21)], 1)
        api.porting_orders.update(order.id, messaging={"enable_messaging": True})
        counted, sent = self.counting_client()
        err = self.assertApiError(telnyx.UnprocessableEntityError, 422,
                                  counted.porting_orders.actions.confirm, order.id)
        self.assertPointer(err, "/phone_number_configuration/messaging_profile_id")
        self.assertEqual(sent, [("POST", f"/v2/porting_orders/{order.id}/actions/confirm")],
                         "one request: a 422 is not retried")
        self.assertEqual(api.porting_orders.retrieve(order.id).data.status.value, "draft")

        # A number already in an open order refuses the whole request, naming its index.
        err = self.assertApiError(telnyx.UnprocessableEntityError, 422, api.porting_orders.create,
                                  phone_numbers=[porting_number(22), porting_number(21)])
        self.assertPointer(err, "/phone_numbers/1")
        (free,) = self.create_orders([porting_number(22)], 1)
        self.assertIsNone(api.porting_orders.delete(free.id))

    def test_a_confirmed_order_is_not_deleted_and_the_sdk_does_not_retry_the_422(self):
        api = self.api
        (order,) = self.create_orders([porting_number(40)], 1)
        confirmed = api.porting_orders.actions.confirm(order.id)
        self.assertEqual(confirmed.data.id, order.id)
        self.assertEqual(confirmed.data.status.value, "in-process", fields(confirmed.data))
        self.assertRegex(confirmed.data.support_key or "", r"^sr_", fields(confirmed.data))
        self.assertPhoneNumbersUrl(confirmed, order.id)

        counted, sent = self.counting_client()
        with self.assertRaises(telnyx.UnprocessableEntityError) as cm:
            counted.porting_orders.delete(order.id)
        exc = cm.exception
        self.assertEqual(exc.status_code, 422)
        (err,) = exc.body["errors"]
        self.assertEqual(err["code"], "10015", err)
        self.assertIn("in-process", err.get("detail") or "", err)
        self.assertEqual(sent, [("DELETE", f"/v2/porting_orders/{order.id}")],
                         "one request: a 422 is not retried")
        self.assertEqual(api.porting_orders.retrieve(order.id).data.status.value, "in-process")
        # Confirming again is a step its status does not allow.
        self.assertApiError(telnyx.UnprocessableEntityError, 422, api.porting_orders.actions.confirm, order.id)
        cancelled = api.porting_orders.actions.cancel(order.id).data
        self.assertEqual(cancelled.status.value, "cancel-pending", fields(cancelled))

    # ---- the port ---------------------------------------------------------------------------------

    def test_messaging_ports_with_voice_and_messaging_changed_is_signed(self):
        api = self.api
        numbers = [porting_number(30), porting_number(31)]
        path = "/hooks/porting"
        hook = self.receiver.url(path)
        reference = unique("porting-port")
        profile = self.create_profile("/hooks/porting-profile")

        (order,) = self.create_orders(numbers, 1, customer_reference=reference)
        order_id = order.id
        enabled = api.porting_orders.update(order_id, messaging={"enable_messaging": True}, webhook_url=hook).data
        self.assertMessaging(enabled, True, True, "pending", False)
        profiled = api.porting_orders.update(
            order_id, phone_number_configuration={"messaging_profile_id": profile.id}).data
        self.assertEqual(profiled.phone_number_configuration.messaging_profile_id, profile.id)
        self.assertEqual(profiled.webhook_url, hook)

        confirmed = api.porting_orders.actions.confirm(order_id).data
        self.assertEqual(confirmed.status.value, "in-process", fields(confirmed))
        support_key = confirmed.support_key
        self.assertRegex(support_key or "", r"^sr_", fields(confirmed))
        self.assertMessaging(confirmed, True, True, "pending", False)

        # The losing carrier: the FOC date is confirmed (a day ahead), then the FOC comes now.
        foc = sandbox_porting_step(order_id, "confirm_foc", {"foc_datetime_actual": rfc3339(86400)})
        self.assertEqual(foc["status"]["value"], "foc-date-confirmed", foc)
        self.assertEqual(foc["messaging"]["messaging_port_status"], "pending", foc)
        self.assertIsNotNone(foc["activation_settings"]["foc_datetime_actual"], foc)
        before_port = time.time()
        ported = sandbox_porting_step(order_id, "port")
        self.assertEqual(ported["status"]["value"], "ported", ported)
        self.assertIn(ported["messaging"]["messaging_port_status"], ("activating", "ported"), ported)
        # "port: the FOC arrives now", whatever date was confirmed.
        foc_actual = ported["activation_settings"]["foc_datetime_actual"]
        foc_seconds = calendar.timegm(time.strptime(foc_actual[:19], "%Y-%m-%dT%H:%M:%S"))
        self.assertLess(foc_seconds, before_port + 60, f"the FOC is now, not {foc_actual}: {ported}")

        # Both numbers release their NNID at the FOC: the order's messaging is ported.
        done = wait_until(
            f"order {order_id}'s messaging to be ported (the port step answered {ported})",
            lambda: api.porting_orders.retrieve(order_id).data,
            done=lambda o: o.messaging.messaging_port_status == "ported")
        self.assertMessaging(done, True, True, "ported", True)
        self.assertEqual(done.status.value, "ported", fields(done))
        self.assertEqual(done.support_key, support_key)
        self.assertEqual(done.activation_settings.activation_status, "Active", fields(done))

        # Each number, through porting_phone_numbers.list: the SDK's filter for the order's status
        # and filter[porting_order_id] (not in the SDK's filter) through extra_query.
        mine = list(api.porting_phone_numbers.list(
            filter={"porting_order_status": "ported"},
            extra_query={"filter[porting_order_id]": order_id}))
        self.assertEqual(sorted(n.phone_number for n in mine), numbers)
        for number in mine:
            with self.subTest(number=number.phone_number):
                got = fields(number)
                self.assertEqual(number.record_type, "porting_phone_number", got)
                self.assertEqual((number.porting_order_id, number.porting_order_status, number.support_key),
                                 (order_id, "ported", support_key), got)
                self.assertEqual(number.messaging_port_status, "ported", got)
                self.assertEqual(number.messaging_profile_id, profile.id, "each number gets the profile")
                self.assertIsNone(number.messaging_exception, got)
                self.assertEqual(number.country_code, "US", got)
        counted, sent = self.counting_client(max_retries=0)
        every_ported = [n for n in counted.porting_phone_numbers.list(
            filter={"porting_order_status": "ported"}, page_size=1)]
        self.assertEqual(len(sent), len(every_ported), "page size 1: one request per number")
        self.assertTrue(set(numbers) <= {n.phone_number for n in every_ported}, every_ported)
        self.assertEqual({n.porting_order_status for n in every_ported}, {"ported"})
        self.assertEqual(list(api.porting_phone_numbers.list(
            filter={"porting_order_status": "draft"}, extra_query={"filter[porting_order_id]": order_id})), [])
        err = self.assertApiError(telnyx.UnprocessableEntityError, 422, api.porting_phone_numbers.list,
                                  filter={"porting_order_status": "done"})
        self.assertEqual(err["code"], "10032", err)
        self.assertEqual((err.get("source") or {}).get("parameter"), "filter[porting_order_status]", err)

        # Voice and messaging are done: the order can no longer be deleted.
        self.assertApiError(telnyx.UnprocessableEntityError, 422, api.porting_orders.delete, order_id)

        # The webhooks at the order's URL. Every porting_order.messaging_changed the notifier
        # delivered (webhook_deliveries, filtered by the order) has arrived, once each.
        def arrived():
            delivered = {d.webhook.id for d in api.webhook_deliveries.list(
                filter={"resource_id": order_id, "event_type": MESSAGING_CHANGED,
                        "status": {"eq": "delivered"}})}
            got = {}
            for r in self.receiver.received(path):
                if r.json()["data"]["event_type"] == MESSAGING_CHANGED:
                    got.setdefault(r.json()["data"]["id"], r)  # duplicates share data.id
            statuses = [r.json()["data"]["payload"]["messaging"]["messaging_port_status"]
                        for r in got.values()]
            return (delivered, got) if delivered == set(got) and "ported" in statuses else None
        _, received = wait_until("every messaging_changed webhook, up to ported, delivered and received",
                                 arrived)
        changes = [received[event_id] for event_id in sorted(received)]  # event ids are UUIDv7
        for got in changes:
            self.verified(got, order_id)
        last = self.verified(changes[-1], order_id)
        self.assertEqual(last["data"]["event_type"], MESSAGING_CHANGED)
        self.assertEqual(last["data"]["payload"], {
            "id": order_id, "customer_reference": reference, "support_key": support_key,
            "messaging": {"messaging_capable": True, "enable_messaging": True,
                          "messaging_port_status": "ported", "messaging_port_completed": True}}, last)
        # The key set on the client (as from TELNYX_PUBLIC_KEY) verifies it too.
        keyed = telnyx.Telnyx(api_key=self.key, base_url=STATE["api_base_url"],
                              public_key=self.public_key, max_retries=0)
        self.addCleanup(keyed.close)
        self.assertEqual(keyed.webhooks.unwrap(changes[-1].text, headers=changes[-1].headers).data.id,
                         last["data"]["id"])

        statuses = self.webhooks_of(
            path, STATUS_CHANGED, what="status_changed webhooks up to ported",
            done=lambda found: any(r.json()["data"]["payload"]["status"]["value"] == "ported" for r in found))
        self.assertEqual([r.json()["data"]["payload"]["status"]["value"] for r in statuses],
                         ["in-process", "foc-date-confirmed", "ported"])
        status_event = self.verified(statuses[-1], order_id)
        self.assertEqual(status_event["data"]["payload"]["webhook_url"], hook, status_event)
        self.assertEqual(status_event["data"]["payload"]["support_key"], support_key, status_event)

        # One messaging_changed per change of the order's messaging_port_status, each naming the
        # status it changed to: pending, then (activating, then) ported.
        # A port whose NNIDs are all released at the FOC goes from `pending` to `ported` in one
        # change: one event, not one per intermediate step.
        steps = [r.json()["data"]["payload"]["messaging"]["messaging_port_status"] for r in changes]
        self.assertEqual(steps, [s for s in MESSAGING_STEPS if s in steps],
                         f"one messaging_changed per change, in order: {steps}")



# --------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------

def setUpModule():
    wait_for_tcp(STATE["api_base_url"])


def main():
    argv = list(sys.argv)
    path = os.environ.get("TEXTPORT_STATE_FILE")
    if len(argv) > 1 and not argv[1].startswith("-") and os.path.isfile(argv[1]):
        path = argv.pop(1)
    if not path:
        sys.exit("usage: test_sdk.py STATE_FILE [unittest args]  (or set TEXTPORT_STATE_FILE)")
    STATE.update(load_state(path))
    print(f"telnyx SDK {telnyx.__version__} against {STATE['api_base_url']}", flush=True)

    result = unittest.main(argv=argv, exit=False, verbosity=2).result
    failed = {getattr(t, "test_case", t).id() for t, _ in result.failures + result.errors}
    failed |= {t.id() for t in result.unexpectedSuccesses}
    skipped = len(result.skipped)
    passed = result.testsRun - len(failed) - skipped
    # plain closing line for CI
    print(f"sdk: {passed} passed, {len(failed)} failed, {skipped} skipped", flush=True)
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)


if __name__ == "__main__":
    main()
