#!/usr/bin/env python3
"""SDK compatibility test: drives a running textport suite with the official
`telnyx` Python SDK (pinned in run.sh), changing nothing but base_url.

Usage: python test_sdk.py STATE_FILE [unittest args...]
       (or set TEXTPORT_STATE_FILE and pass only unittest args)

STATE_FILE is the JSON written by `textport up --state-file`:
  {"gateway_url": ..., "api_base_url": "http://127.0.0.1:PORT/v2",
   "services": {...}, "accounts": [{"name", "id", "api_key"}, ...]}

Sandbox magic numbers are US numbers +1 NPA 555 XXXX; the last four digits
pick the outcome. The demo seed gives +13125552000..2099 to acme and
+13125552100..2199 to globex.
"""

import json
import os
import socket
import sys
import time
import unittest
import uuid
from urllib.parse import urlsplit

import telnyx

STATE = {}


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def load_state(path, timeout=10.0):
    """Read the state file, tolerating a writer that is not finished yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(path, encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


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


def account(name):
    for acct in STATE["accounts"]:
        if acct["name"] == name:
            return acct
    raise KeyError(f"account {name!r} not in state file")


def client(api_key):
    return telnyx.Telnyx(api_key=api_key, base_url=STATE["api_base_url"], max_retries=0)


def acme():
    return client(account("acme")["api_key"])


def globex():
    return client(account("globex")["api_key"])


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
        try:
            api.notification_profiles.delete(profile_id)
        except telnyx.NotFoundError:
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
        self.assertEqual(api.notification_channels.delete(email.id).data.id, email.id)
        self.assertApiError(telnyx.NotFoundError, 404, api.notification_settings.retrieve, by_email.id)
        self.assertEqual(api.notification_profiles.delete(profile.id).data.id, profile.id)
        self.assertApiError(telnyx.NotFoundError, 404, api.notification_channels.retrieve, webhook.id)

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
