// SDK smoke test: drives a running textport suite with the official `telnyx` Node SDK
// (pinned in package.json), changing nothing but baseURL.
//
//   TEXTPORT_BIN=target/debug/textport bash tests/sdk/node/run.sh
//
// TEXTPORT_STATE_FILE is the JSON written by `textport up --state-file`:
//   {"api_base_url": "http://127.0.0.1:PORT/v2", "sandbox_url": "http://127.0.0.1:PORT/sandbox/v1",
//    "admin_url": "http://127.0.0.1:PORT" (operator and sandbox APIs), "operator_api_key": ...,
//    "webhook_public_key": "<base64>", "accounts": [{"name", "id", "api_key", "email", ...}, ...], ...}
//
// Sandbox magic numbers are US numbers +1 NPA 555 XXXX; the last four digits pick the
// outcome. The demo seed gives +13125552000..2099 to acme and +13125552100..2199 to globex.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import Telnyx, {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  NotFoundError,
  PermissionDeniedError,
  UnprocessableEntityError,
  toFile,
} from 'telnyx';
import { VERSION } from 'telnyx/version';
import { TelnyxWebhookVerificationError } from 'telnyx/lib/webhooks';

const SDK_VERSION = '7.24.0';

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

function loadState() {
  const path = process.env.TEXTPORT_STATE_FILE;
  if (!path) {
    throw new Error('TEXTPORT_STATE_FILE is not set (run this through tests/sdk/node/run.sh)');
  }
  return JSON.parse(readFileSync(path, 'utf8'));
}

const STATE = loadState();

function account(name) {
  const found = STATE.accounts.find((a) => a.name === name);
  if (!found) throw new Error(`account ${name} not in the state file`);
  return found;
}

function client(apiKey) {
  return new Telnyx({ apiKey, baseURL: STATE.api_base_url, maxRetries: 0 });
}

const acme = () => client(account('acme').api_key);

function unique(tag) {
  return `node-sdk-${tag}-${randomUUID().slice(0, 10)}`;
}

/** Awaits `promise`, expects it to reject with `ErrorClass` and `status`; returns errors[0]. */
async function expectApiError(promise, ErrorClass, status) {
  let caught;
  await assert.rejects(promise, (err) => {
    caught = err;
    return true;
  });
  assert.ok(
    caught instanceof ErrorClass,
    `expected ${ErrorClass.name}, got ${caught?.constructor?.name}: ${caught?.message}`,
  );
  assert.equal(caught.status, status);
  const body = caught.error;
  assert.equal(typeof body, 'object', `error body is not a JSON object: ${caught.message}`);
  assert.ok(Array.isArray(body?.errors) && body.errors.length > 0, JSON.stringify(body));
  for (const e of body.errors) {
    assert.equal(typeof e.code, 'string', JSON.stringify(e));
    assert.match(e.code, /^\d+$/, JSON.stringify(e));
    assert.equal(typeof e.title, 'string', JSON.stringify(e));
  }
  return body.errors[0];
}

async function deleteQuietly(api, id) {
  try {
    await api.messagingProfiles.delete(id);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}

test('the pinned SDK version is installed', () => {
  assert.equal(VERSION, SDK_VERSION);
});

// ---------------------------------------------------------------------------
// hosted SMS eligibility
// ---------------------------------------------------------------------------

test('eligibility: magic numbers for acme', async () => {
  const cases = [
    ['+13125550001', 'eligible', true],
    ['+13125550150', 'number_can_not_be_wireless', false],
    ['+14165550001', 'number_is_not_a_us_number', false],
    ['+13125552005', 'number_can_not_be_active_in_your_account', false],
  ];
  const resp = await acme().messagingHostedNumberOrders.checkEligibility({
    phone_numbers: cases.map(([number]) => number),
  });
  assert.ok(Array.isArray(resp.phone_numbers), `no top-level phone_numbers: ${JSON.stringify(resp)}`);
  assert.deepEqual(
    resp.phone_numbers.map((r) => r.phone_number),
    cases.map(([number]) => number),
    'one result per number, in request order',
  );
  cases.forEach(([number, status, eligible], i) => {
    const r = resp.phone_numbers[i];
    assert.equal(r.eligible_status, status, `${number}: ${JSON.stringify(r)}`);
    assert.equal(r.eligible, eligible, `${number}: ${JSON.stringify(r)}`);
    assert.equal(typeof r.detail, 'string', `${number}: ${JSON.stringify(r)}`);
  });
});

// ---------------------------------------------------------------------------
// portability checks
// ---------------------------------------------------------------------------

test('portability check: 201 parsed by the SDK, VoIP number is fast portable and local', async () => {
  const { data: body, response } = await acme()
    .portabilityChecks.run({ phone_numbers: ['+13125550850'] })
    .withResponse();
  assert.equal(response.status, 201);
  assert.ok(Array.isArray(body.data), `no data: ${JSON.stringify(body)}`);
  assert.equal(body.data.length, 1);
  const r = body.data[0];
  const shown = JSON.stringify(r);
  assert.equal(r.record_type, 'portability_check_result', shown);
  assert.equal(r.phone_number, '+13125550850', shown);
  assert.equal(r.portable, true, shown);
  assert.equal(r.fast_portable, true, shown);
  assert.equal(r.phone_number_type, 'local', shown);
  assert.equal(typeof r.messaging_capable, 'boolean', shown);
  assert.equal(typeof r.carrier_name, 'string', shown);
  assert.ok(r.carrier_name.length > 0, shown);
  assert.ok(!r.not_portable_reason, shown);
});

// ---------------------------------------------------------------------------
// messaging profiles
// ---------------------------------------------------------------------------

test('messaging profiles: create, retrieve, update', async (t) => {
  const api = acme();
  const name = unique('profile');
  const created = (
    await api.messagingProfiles.create({
      name,
      whitelisted_destinations: ['US'],
      webhook_url: 'https://example.com/hooks',
    })
  ).data;
  assert.ok(created?.id, `create returned no id: ${JSON.stringify(created)}`);
  t.after(() => deleteQuietly(api, created.id));
  assert.equal(created.record_type, 'messaging_profile');
  assert.equal(created.name, name);
  assert.deepEqual(created.whitelisted_destinations, ['US']);
  assert.equal(created.webhook_url, 'https://example.com/hooks');

  const fetched = (await api.messagingProfiles.retrieve(created.id)).data;
  assert.equal(fetched.id, created.id);
  assert.equal(fetched.name, name);

  const updated = (
    await api.messagingProfiles.update(created.id, {
      name: `${name}-renamed`,
      webhook_failover_url: 'https://example.com/failover',
    })
  ).data;
  assert.equal(updated.id, created.id);
  assert.equal(updated.name, `${name}-renamed`);
  assert.equal(updated.webhook_failover_url, 'https://example.com/failover');
  assert.equal(updated.webhook_url, 'https://example.com/hooks', 'fields not sent stay');

  const refetched = (await api.messagingProfiles.retrieve(created.id)).data;
  assert.equal(refetched.name, `${name}-renamed`);
});

test('messaging profiles: list auto-paginates (12 profiles, page size 10)', async (t) => {
  const api = acme();
  const prefix = unique('page');
  const created = new Set();
  t.after(async () => {
    for (const id of created) await deleteQuietly(api, id);
  });
  for (let i = 0; i < 12; i++) {
    const profile = (
      await api.messagingProfiles.create({
        name: `${prefix}-${String(i).padStart(2, '0')}`,
        whitelisted_destinations: ['US'],
      })
    ).data;
    created.add(profile.id);
  }
  assert.equal(created.size, 12);
  const query = { 'page[size]': 10, 'filter[name][contains]': prefix };

  // The first page alone: proves the auto-pager below really has a second page to fetch.
  const first = await api.messagingProfiles.list(query);
  assert.equal(first.data.length, 10, `first page: ${JSON.stringify(first.meta)}`);
  assert.equal(first.meta.page_number, 1, JSON.stringify(first.meta));
  assert.equal(first.meta.total_pages, 2, JSON.stringify(first.meta));
  assert.equal(first.hasNextPage(), true);

  const seen = [];
  for await (const profile of api.messagingProfiles.list(query)) {
    seen.push(profile.id);
  }
  assert.equal(seen.length, 12, `each profile exactly once, got ${seen.length}`);
  assert.deepEqual(new Set(seen), created);
});

test('messaging profiles: delete, then retrieve is NotFoundError', async (t) => {
  const api = acme();
  const profile = (
    await api.messagingProfiles.create({ name: unique('delete'), whitelisted_destinations: ['US'] })
  ).data;
  t.after(() => deleteQuietly(api, profile.id));

  const deleted = (await api.messagingProfiles.delete(profile.id)).data;
  assert.equal(deleted.id, profile.id);

  await expectApiError(api.messagingProfiles.retrieve(profile.id), NotFoundError, 404);
});

// ---------------------------------------------------------------------------
// hosted SMS orders and hosted numbers
// ---------------------------------------------------------------------------
//
// A number can be in one open order at a time (a second order for it is 409), so each test
// orders numbers of its own, all with last four digits in 0001..0099 (ordinary outcomes):
//   0001 the whole life of an order · 0010..0016 the list · 0020 retrieve, delete, another
//   account · 0030..0031 the 409 conflict.
// The PDF fixtures name +13125550001 and are signed, so that order gets no warnings.

const FIXTURES = fileURLToPath(new URL('../../fixtures/pdf/', import.meta.url));
const LOA_PDF = `${FIXTURES}loa.pdf`;
const BILL_PDF = `${FIXTURES}bill.pdf`;

/** Upper bound for the background activation after the operator accepts; polled. */
const ACTIVATION_TIMEOUT_MS = 30_000;

const globex = () => client(account('globex').api_key);

/**
 * A client with the SDK's default retries (unless told) and the log of every request it sends
 * (`METHOD /path`): shows how many pages it fetched, and that an answer was not retried.
 */
function countingClient(apiKey, maxRetries = 2) {
  const sent = [];
  const api = new Telnyx({
    apiKey,
    baseURL: STATE.api_base_url,
    maxRetries,
    fetch: (url, init) => {
      sent.push(`${init?.method ?? 'GET'} ${new URL(String(url)).pathname}`);
      return fetch(url, init);
    },
  });
  return { api, sent };
}

/** A plain JSON request to the admin listener (operator and sandbox APIs). */
async function adminJson(method, path, apiKey, body) {
  const resp = await fetch(`${STATE.admin_url.replace(/\/$/, '')}${path}`, {
    method,
    headers: {
      accept: 'application/json',
      authorization: `Bearer ${apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await resp.text();
  return { status: resp.status, body: text ? JSON.parse(text) : null, text };
}

/** The sandbox's record of the codes sent for an order: the newest per number. */
async function sentCodes(apiKey, orderId) {
  const query = new URLSearchParams({ order_id: orderId, 'page[size]': '250' });
  const { status, body, text } = await adminJson('GET', `/sandbox/v1/verification_codes?${query}`, apiKey);
  assert.equal(status, 200, `GET /sandbox/v1/verification_codes: ${text}`);
  const codes = new Map();
  for (const sent of body.data) {
    assert.equal(sent.order_id, orderId, JSON.stringify(sent));
    if (!codes.has(sent.phone_number)) codes.set(sent.phone_number, sent); // newest first
  }
  return codes;
}

function numberStatuses(order) {
  return Object.fromEntries(order.phone_numbers.map((n) => [n.phone_number, n.status]));
}

async function createOrder(api, phoneNumbers, extra = {}) {
  const order = (await api.messagingHostedNumberOrders.create({ phone_numbers: phoneNumbers, ...extra })).data;
  const shown = JSON.stringify(order);
  assert.ok(order?.id, `create returned no id: ${shown}`);
  assert.equal(order.record_type, 'messaging_hosted_number_order', shown);
  assert.equal(order.status, 'pending', shown);
  assert.deepEqual(order.phone_numbers.map((n) => n.phone_number), phoneNumbers, shown);
  return order;
}

async function createProfileFor(t, api) {
  const profile = (
    await api.messagingProfiles.create({ name: unique('hosted'), whitelisted_destinations: ['US'] })
  ).data;
  assert.ok(profile?.id, JSON.stringify(profile));
  t.after(async () => {
    try {
      await api.messagingProfiles.delete(profile.id);
    } catch {
      // gone, or still holding a number: the suite is discarded anyway
    }
  });
  return profile;
}

async function collect(pagePromise) {
  const items = [];
  for await (const item of pagePromise) items.push(item);
  return items;
}

async function waitForStatus(api, orderId, status, timeoutMs = ACTIVATION_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const order = (await api.messagingHostedNumberOrders.retrieve(orderId)).data;
    if (order.status === status) return order;
    if (Date.now() > deadline) {
      throw new Error(`order ${orderId} not ${status} within ${timeoutMs} ms: ${JSON.stringify(order)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('hosted orders: from eligibility to a hosted number on its profile', async (t) => {
  const api = acme();
  const key = account('acme').api_key;
  const number = '+13125550001';
  const profile = await createProfileFor(t, api);
  const orders = api.messagingHostedNumberOrders;

  const eligibility = await orders.checkEligibility({ phone_numbers: [number] });
  assert.deepEqual(
    eligibility.phone_numbers.map((r) => [r.phone_number, r.eligible, r.eligible_status]),
    [[number, true, 'eligible']],
  );

  const created = await createOrder(api, [number], { messaging_profile_id: profile.id });
  const orderId = created.id;
  assert.equal(created.messaging_profile_id, profile.id);
  assert.equal(created.phone_numbers[0].record_type, 'messaging_hosted_number');
  assert.equal(created.phone_numbers[0].status, 'pending');

  const fetched = (await orders.retrieve(orderId)).data;
  assert.equal(fetched.id, orderId);
  assert.equal(fetched.status, 'pending');
  assert.deepEqual(numberStatuses(fetched), { [number]: 'pending' });

  // Ownership: an SMS code, read from the sandbox's phone network.
  const sent = (
    await orders.createVerificationCodes(orderId, { phone_numbers: [number], verification_method: 'sms' })
  ).data;
  assert.equal(sent.length, 1, JSON.stringify(sent));
  assert.equal(sent[0].phone_number, number);
  assert.equal(sent[0].type, 'sms');
  assert.ok(!sent[0].error, JSON.stringify(sent[0]));
  assert.equal(typeof sent[0].verification_code_id, 'string', JSON.stringify(sent[0]));
  const delivered = (await sentCodes(key, orderId)).get(number);
  assert.equal(delivered?.type, 'sms', JSON.stringify(delivered));
  assert.equal(delivered.verification_code_id, sent[0].verification_code_id);
  const code = delivered.code;
  const wrong = [...code].map((c) => (/\d/.test(c) ? String((Number(c) + 1) % 10) : 'x')).join('');

  const rejected = (
    await orders.validateCodes(orderId, { verification_codes: [{ phone_number: number, code: wrong }] })
  ).data;
  assert.equal(rejected.order_id, orderId);
  assert.deepEqual(rejected.phone_numbers, [{ phone_number: number, status: 'rejected' }]);
  const verified = (
    await orders.validateCodes(orderId, { verification_codes: [{ phone_number: number, code }] })
  ).data;
  assert.deepEqual(verified.phone_numbers, [{ phone_number: number, status: 'verified' }]);
  const again = (
    await orders.validateCodes(orderId, { verification_codes: [{ phone_number: number, code }] })
  ).data;
  assert.deepEqual(again.phone_numbers.map((r) => r.status), ['already_verified']);
  assert.deepEqual(numberStatuses((await orders.retrieve(orderId)).data), { [number]: 'ownership_successful' });

  // Documents: a file stream and Telnyx.toFile, in one multipart request.
  const uploaded = await orders.actions.uploadFile(orderId, {
    loa: createReadStream(LOA_PDF),
    bill: await toFile(readFileSync(BILL_PDF), 'bill.pdf', { type: 'application/pdf' }),
  });
  assert.equal(uploaded.data.id, orderId);
  assert.equal(uploaded.data.status, 'loa_file_successful', JSON.stringify(uploaded));
  assert.deepEqual(uploaded.meta?.warnings, [], `the fixtures name ${number}: ${JSON.stringify(uploaded)}`);

  // The operator accepts; activation runs in the background.
  const accepted = await adminJson(
    'POST',
    `/operator/v1/hosted_number_orders/${orderId}/actions/accept`,
    STATE.operator_api_key,
    {},
  );
  assert.equal(accepted.status, 200, accepted.text);
  assert.equal(accepted.body.data.id, orderId);
  assert.ok(['provisioning', 'successful'].includes(accepted.body.data.status), accepted.text);
  const done = await waitForStatus(api, orderId, 'successful');
  assert.deepEqual(numberStatuses(done), { [number]: 'successful' });

  // The hosted number, on the order's profile.
  const listed = (await collect(api.messagingHostedNumbers.list())).filter((n) => n.phone_number === number);
  assert.equal(listed.length, 1, `listed once: ${JSON.stringify(listed)}`);
  const [hosted] = listed;
  assert.equal(hosted.record_type, 'messaging_phone_number', JSON.stringify(hosted));
  assert.equal(hosted.messaging_profile_id, profile.id, JSON.stringify(hosted));
  const byFilter = await collect(api.messagingHostedNumbers.list({ 'filter[phone_number]': number }));
  assert.deepEqual(byFilter.map((n) => n.id), [hosted.id]);
  assert.equal((await api.messagingHostedNumbers.retrieve(hosted.id)).data.phone_number, number);
  assert.equal((await api.messagingHostedNumbers.retrieve(number)).data.id, hosted.id, 'by phone number too');
  const onProfile = await collect(api.messagingProfiles.listPhoneNumbers(profile.id));
  assert.deepEqual(onProfile.map((n) => [n.id, n.phone_number]), [[hosted.id, number]]);

  // Move it to another profile and tag it.
  const otherProfile = await createProfileFor(t, api);
  const updated = (
    await api.messagingHostedNumbers.update(hosted.id, {
      messaging_profile_id: otherProfile.id,
      tags: ['sdk', 'hosted'],
    })
  ).data;
  assert.equal(updated.id, hosted.id);
  assert.equal(updated.messaging_profile_id, otherProfile.id);
  assert.deepEqual(updated.tags, ['sdk', 'hosted']);
  const onOther = await collect(api.messagingProfiles.listPhoneNumbers(otherProfile.id));
  assert.deepEqual(onOther.map((n) => n.id), [hosted.id]);
  assert.deepEqual(await collect(api.messagingProfiles.listPhoneNumbers(profile.id)), []);
  const retagged = (await api.messagingHostedNumbers.update(hosted.id, { tags: ['only'] })).data;
  assert.deepEqual(retagged.tags, ['only']);
  assert.equal(retagged.messaging_profile_id, otherProfile.id, 'a field not sent keeps its value');

  // Another account sees none of it.
  const other = globex();
  await expectApiError(other.messagingHostedNumberOrders.retrieve(orderId), NotFoundError, 404);
  await expectApiError(other.messagingHostedNumbers.retrieve(hosted.id), NotFoundError, 404);

  // A successful order is not deleted: 422, final (not retried even with maxRetries 2).
  const counted = countingClient(key);
  const err = await expectApiError(
    counted.api.messagingHostedNumberOrders.delete(orderId),
    UnprocessableEntityError,
    422,
  );
  assert.equal(err.code, '10015', JSON.stringify(err));
  assert.deepEqual(counted.sent, [`DELETE /v2/messaging_hosted_number_orders/${orderId}`], 'one request');
  assert.equal((await orders.retrieve(orderId)).data.status, 'successful');

  // Deleting the hosted number answers its order, with the number deleted.
  const removed = (await api.messagingHostedNumbers.delete(hosted.id)).data;
  assert.equal(removed.id, orderId);
  assert.equal(removed.record_type, 'messaging_hosted_number_order');
  assert.deepEqual(numberStatuses(removed), { [number]: 'deleted' });
  assert.deepEqual(await collect(api.messagingHostedNumbers.list({ 'filter[phone_number]': number })), []);
});

test('hosted orders: list auto-paginates with for await, newest first', async () => {
  const api = acme();
  const created = [];
  for (let n = 10; n <= 16; n++) {
    created.push((await createOrder(api, [`+131255500${n}`])).id);
  }
  assert.equal(new Set(created).size, 7);
  const newestFirst = [...created].reverse();

  for (const size of [2, 3]) {
    const counted = countingClient(account('acme').api_key, 0);
    const first = await counted.api.messagingHostedNumberOrders.list({ 'page[size]': size });
    const total = first.meta.total_results;
    const shown = JSON.stringify(first.meta);
    assert.ok(total >= 7, shown);
    assert.equal(first.meta.page_number, 1, shown);
    assert.equal(first.meta.total_pages, Math.ceil(total / size), shown);
    assert.equal(first.data.length, size, shown);
    assert.equal(first.hasNextPage(), true);

    counted.sent.length = 0;
    const seen = (await collect(counted.api.messagingHostedNumberOrders.list({ 'page[size]': size }))).map(
      (o) => o.id,
    );
    assert.equal(counted.sent.length, first.meta.total_pages, `one request per page: ${counted.sent}`);
    assert.equal(seen.length, total, `page size ${size}`);
    assert.equal(new Set(seen).size, total, `each order exactly once (page size ${size})`);
    assert.deepEqual(seen.filter((id) => created.includes(id)), newestFirst, `newest first (page size ${size})`);
  }

  const theirs = await collect(globex().messagingHostedNumberOrders.list({ 'page[size]': 250 }));
  assert.deepEqual(theirs.filter((o) => created.includes(o.id)), [], 'another account lists none of them');
});

test('hosted orders: retrieve, delete, and another account gets NotFoundError', async () => {
  const api = acme();
  const other = globex();
  const number = '+13125550020';
  const order = await createOrder(api, [number]);

  const err = await expectApiError(other.messagingHostedNumberOrders.retrieve(order.id), NotFoundError, 404);
  assert.equal(err.code, '10005', JSON.stringify(err));
  await expectApiError(other.messagingHostedNumberOrders.delete(order.id), NotFoundError, 404);
  await expectApiError(
    other.messagingHostedNumberOrders.createVerificationCodes(order.id, {
      phone_numbers: [number],
      verification_method: 'sms',
    }),
    NotFoundError,
    404,
  );
  await expectApiError(
    other.messagingHostedNumberOrders.validateCodes(order.id, {
      verification_codes: [{ phone_number: number, code: '123456' }],
    }),
    NotFoundError,
    404,
  );
  await expectApiError(
    other.messagingHostedNumberOrders.actions.uploadFile(order.id, { loa: createReadStream(LOA_PDF) }),
    NotFoundError,
    404,
  );

  const fetched = (await api.messagingHostedNumberOrders.retrieve(order.id)).data;
  assert.equal(fetched.id, order.id);
  assert.equal(fetched.status, 'pending');

  const deleted = (await api.messagingHostedNumberOrders.delete(order.id)).data;
  assert.equal(deleted.id, order.id);
  assert.equal(deleted.status, 'deleted');
  assert.deepEqual(numberStatuses(deleted), { [number]: 'deleted' });
  // A deleted order is gone: retrieving or deleting it again is 404.
  await expectApiError(api.messagingHostedNumberOrders.retrieve(order.id), NotFoundError, 404);
  await expectApiError(api.messagingHostedNumberOrders.delete(order.id), NotFoundError, 404);
  // A deleted order releases its number.
  await createOrder(api, [number]);
});

test('hosted orders: a number in an open order is a ConflictError the SDK does not retry', async () => {
  const taken = '+13125550030';
  const free = '+13125550031';
  await createOrder(acme(), [taken]);
  const counted = countingClient(account('globex').api_key);
  let caught;
  await assert.rejects(counted.api.messagingHostedNumberOrders.create({ phone_numbers: [free, taken] }), (e) => {
    caught = e;
    return true;
  });
  assert.ok(caught instanceof ConflictError, `expected ConflictError, got ${caught?.constructor?.name}: ${caught?.message}`);
  assert.equal(caught.status, 409);
  assert.equal(caught.headers.get('x-should-retry'), 'false');
  assert.equal(caught.error?.errors?.[0]?.code, '10015', JSON.stringify(caught.error));
  assert.equal(caught.error.errors[0].source?.pointer, '/phone_numbers/1', JSON.stringify(caught.error));
  assert.deepEqual(counted.sent, ['POST /v2/messaging_hosted_number_orders'], 'one request: not retried');
  // The refused order reserved nothing: its other number can still be ordered.
  await createOrder(globex(), [free]);
});

// ---------------------------------------------------------------------------
// errors through the SDK
// ---------------------------------------------------------------------------

test('a wrong API key is AuthenticationError with code 10009', async () => {
  const bad = client(`KEY-not-a-real-key-${randomUUID()}`);
  const err = await expectApiError(
    bad.messagingHostedNumberOrders.checkEligibility({ phone_numbers: ['+13125550001'] }),
    AuthenticationError,
    401,
  );
  assert.equal(err.code, '10009', JSON.stringify(err));
});

test('a string instead of a list for phone_numbers is BadRequestError at /phone_numbers', async () => {
  const err = await expectApiError(
    acme().messagingHostedNumberOrders.checkEligibility({ phone_numbers: '+13125550001' }),
    BadRequestError,
    400,
  );
  assert.equal(err.source?.pointer, '/phone_numbers', JSON.stringify(err));
});

test('Idempotency-Key: a retried create returns the first profile; another body is 422', async (t) => {
  const api = acme();
  const key = unique('idem');
  const create = (name) =>
    api.messagingProfiles.create(
      { name, whitelisted_destinations: ['US'] },
      { headers: { 'Idempotency-Key': key } },
    );
  const name = unique('idem-profile');
  const first = (await create(name)).data;
  t.after(() => deleteQuietly(api, first.id));
  const again = (await create(name)).data;
  assert.equal(again.id, first.id);
  const err = await expectApiError(create(unique('idem-other')), UnprocessableEntityError, 422);
  assert.equal(err.source?.parameter, 'Idempotency-Key');
});

// ---------------------------------------------------------------------------
// signed webhooks
// ---------------------------------------------------------------------------

/** Upper bound for a webhook to arrive; the wait returns as soon as it has. */
const ARRIVAL_TIMEOUT_MS = 30_000;

/**
 * A webhook endpoint on 127.0.0.1:<free port>: records every request's raw body (as sent, UTF-8)
 * and headers, answers 200, and lets a test wait (bounded) for the n-th arrival.
 */
async function startReceiver() {
  const received = [];
  const waiters = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url, headers: { ...req.headers }, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-length': '0' }).end();
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    async waitFor(path, count, timeoutMs = ARRIVAL_TIMEOUT_MS) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = received.filter((r) => r.path === path);
        if (got.length >= count) return got.slice(0, count);
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(
            `${got.length} of ${count} webhook(s) arrived at ${path} within ${timeoutMs} ms; ` +
              `received: ${JSON.stringify(received.map((r) => r.path))}`,
          );
        }
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 250));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    /** Everything received at `path` so far, in arrival order. */
    received: (path) => received.filter((r) => r.path === path),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** POST /sandbox/v1/events: the sandbox emits an event as a service would. Returns data. */
async function emitEvent(body) {
  const resp = await fetch(`${STATE.sandbox_url.replace(/\/$/, '')}/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      // /sandbox/v1/… (but magic_numbers) takes any customer key.
      authorization: `Bearer ${account('acme').api_key}`,
    },
    body: JSON.stringify(body),
  });
  const text = await resp.text();
  assert.equal(resp.status, 202, `POST /sandbox/v1/events: ${text}`);
  const { data } = JSON.parse(text);
  assert.equal(data.record_type, 'sandbox_event', text);
  assert.ok(data.id, text);
  return data;
}

/** A valid Ed25519 public key (raw 32 bytes, base64) that signed nothing here. */
function otherPublicKey() {
  const { publicKey } = generateKeyPairSync('ed25519');
  return Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url').toString('base64');
}

async function expectVerificationError(promise) {
  await assert.rejects(promise, (err) => {
    assert.ok(
      err instanceof TelnyxWebhookVerificationError,
      `expected TelnyxWebhookVerificationError, got ${err?.constructor?.name}: ${err?.message}`,
    );
    return true;
  });
}

test('webhooks: a delivered webhook verifies with client.webhooks.unwrap; a tampered one throws', async (t) => {
  const key = STATE.webhook_public_key;
  assert.equal(typeof key, 'string', 'the state file has no webhook_public_key');
  assert.equal(Buffer.from(key, 'base64').length, 32, 'a raw 32-byte Ed25519 key, base64');

  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const api = acme();
  const path = '/hooks/node';
  const profile = (
    await api.messagingProfiles.create({
      name: unique('webhooks'),
      whitelisted_destinations: ['US'],
      webhook_url: receiver.url(path),
    })
  ).data;
  t.after(() => deleteQuietly(api, profile.id));

  const orderId = randomUUID();
  const event = await emitEvent({
    account_id: account('acme').id,
    event_type: 'messaging_hosted_numbers_orders.updated',
    payload: { order_id: orderId, order_status: 'pending', profile_id: profile.id },
    messaging_profile_id: profile.id,
    resource_id: orderId,
  });
  const [got] = await receiver.waitFor(path, 1);
  assert.ok(got.headers['telnyx-signature-ed25519'], JSON.stringify(got.headers));
  assert.match(got.headers['telnyx-timestamp'] ?? '', /^\d+$/, JSON.stringify(got.headers));

  const unwrapped = await api.webhooks.unwrap(got.body, { headers: got.headers, key });
  assert.equal(unwrapped.data.id, event.id);
  assert.equal(unwrapped.data.event_type, 'messaging_hosted_numbers_orders.updated');
  assert.equal(unwrapped.data.record_type, 'event');
  assert.equal(unwrapped.data.payload.order_id, orderId);
  assert.deepEqual(unwrapped.meta, { attempt: 1, delivered_to: receiver.url(path) });

  // A changed body, a changed timestamp, another key: all refused.
  const tampered = got.body.replace(orderId, randomUUID());
  assert.notEqual(tampered, got.body);
  await expectVerificationError(api.webhooks.unwrap(tampered, { headers: got.headers, key }));
  const moved = { ...got.headers, 'telnyx-timestamp': String(Number(got.headers['telnyx-timestamp']) + 1) };
  await expectVerificationError(api.webhooks.unwrap(got.body, { headers: moved, key }));
  await expectVerificationError(api.webhooks.unwrap(got.body, { headers: got.headers, key: otherPublicKey() }));

  // The client's own publicKey (as from TELNYX_PUBLIC_KEY) is used when no key is passed.
  const keyed = new Telnyx({
    apiKey: account('acme').api_key,
    baseURL: STATE.api_base_url,
    publicKey: key,
    maxRetries: 0,
  });
  assert.equal((await keyed.webhooks.unwrap(got.body, { headers: got.headers })).data.id, event.id);
  await expectVerificationError(keyed.webhooks.unwrap(tampered, { headers: got.headers }));
});

// ---------------------------------------------------------------------------
// internal transfer between accounts
// ---------------------------------------------------------------------------
//
// acme orders a number globex holds (`up`'s demo holdings, +13125552100..2199): acme's profile
// hears the transfer's webhooks (verified with client.webhooks.unwrap), and globex approves with
// the token from its e-mail through the client's generic post (the SDK has no method for it).
// Numbers: 2141 the opened request, 2142 the approval (the Python test uses 2140, the e2e
// tests 2105..2120).

const ORDER_CREATED = 'messaging_hosted_numbers_orders.created';
const TRANSFER_DETECTED = 'messaging_hosted_numbers_orders.internal_transfer_detected';
const TRANSFER_APPROVAL_REQUESTED = 'messaging_hosted_numbers_orders.internal_transfer_approval_requested';
const TRANSFER_APPROVED = 'messaging_hosted_numbers_orders.internal_transfer_approved';
/** The approval window (transfer_approval.approval_window_hours, 72 by default), in seconds. */
const APPROVAL_WINDOW_S = 72 * 3600;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The first webhook of `eventType` at `path` (waiting, bounded). */
async function waitForEvent(receiver, path, eventType, timeoutMs = ARRIVAL_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = receiver.received(path);
    const found = got.find((r) => JSON.parse(r.body).data?.event_type === eventType);
    if (found) return found;
    if (Date.now() > deadline) {
      const types = got.map((r) => JSON.parse(r.body).data?.event_type);
      throw new Error(`no ${eventType} at ${path} within ${timeoutMs} ms; received: ${JSON.stringify(types)}`);
    }
    await sleep(50);
  }
}

/**
 * The one-time token from globex's approval e-mail about `orderId`: read from the sandbox
 * mailbox (admin listener, globex's key), the first `token=…` after the order id.
 */
async function approvalToken(orderId) {
  const holder = account('globex');
  const query = new URLSearchParams({ 'filter[to]': holder.email });
  const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
  for (;;) {
    const { status, body, text } = await adminJson('GET', `/sandbox/v1/mailbox?${query}`, holder.api_key);
    assert.equal(status, 200, `GET /sandbox/v1/mailbox: ${text}`);
    for (const mail of body.data) {
      const mailText = mail.body_text ?? '';
      const at = mailText.indexOf(orderId);
      if (at < 0) continue;
      const found = /token=([A-Za-z0-9_-]+)/.exec(mailText.slice(at));
      if (found) return { mail, token: found[1] };
    }
    if (Date.now() > deadline) {
      throw new Error(`no approval e-mail about order ${orderId} to ${holder.email}: ${text}`);
    }
    await sleep(100);
  }
}

/**
 * A receiver, acme's profile pointing at it, and acme's order for `number` (held by globex).
 * The acme client carries the state file's publicKey, which unwrap uses by default.
 */
async function openTransfer(t, number) {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const api = new Telnyx({
    apiKey: account('acme').api_key,
    baseURL: STATE.api_base_url,
    publicKey: STATE.webhook_public_key,
    maxRetries: 0,
  });
  const path = '/hooks/transfer';
  const profile = (
    await api.messagingProfiles.create({
      name: unique('transfer'),
      whitelisted_destinations: ['US'],
      webhook_url: receiver.url(path),
    })
  ).data;
  t.after(async () => {
    try {
      await api.messagingProfiles.delete(profile.id);
    } catch {
      // gone, or still in use: the suite is discarded anyway
    }
  });
  const createdAt = Date.now() / 1000;
  const order = await createOrder(api, [number], { messaging_profile_id: profile.id });
  assert.equal(order.messaging_profile_id, profile.id, JSON.stringify(order));
  return { api, receiver, path, profile, order, createdAt };
}

/**
 * The webhook as client.webhooks.unwrap returns it, after checking that unwrap refuses the same
 * body with the order id changed, and the right body under another key.
 */
async function verifiedTransferEvent(api, got, orderId) {
  const event = await api.webhooks.unwrap(got.body, { headers: got.headers });
  const envelope = JSON.parse(got.body);
  assert.equal(event.data.id, envelope.data.id);
  assert.equal(event.data.event_type, envelope.data.event_type);
  assert.equal(event.data.record_type, 'event');
  assert.equal(event.data.payload.order_id, orderId, got.body);
  const tampered = got.body.replace(orderId, randomUUID());
  assert.notEqual(tampered, got.body);
  await expectVerificationError(api.webhooks.unwrap(tampered, { headers: got.headers }));
  await expectVerificationError(api.webhooks.unwrap(got.body, { headers: got.headers, key: otherPublicKey() }));
  return event;
}

test('internal transfer: the receiver hears the order, the transfer and the approval request', async (t) => {
  const number = '+13125552141';
  const { api, receiver, path, profile, order, createdAt } = await openTransfer(t, number);

  const created = await verifiedTransferEvent(api, await waitForEvent(receiver, path, ORDER_CREATED), order.id);
  assert.equal(created.data.event_type, ORDER_CREATED);
  assert.equal(created.data.payload.profile_id, profile.id, JSON.stringify(created));

  const detected = await verifiedTransferEvent(
    api,
    await waitForEvent(receiver, path, TRANSFER_DETECTED),
    order.id,
  );
  assert.equal(detected.data.event_type, TRANSFER_DETECTED);
  assert.deepEqual(detected.data.payload.numbers.map((n) => n.value), [number], JSON.stringify(detected));

  const requested = await verifiedTransferEvent(
    api,
    await waitForEvent(receiver, path, TRANSFER_APPROVAL_REQUESTED),
    order.id,
  );
  const { decision, approval_deadline: deadline } = requested.data.payload;
  assert.equal(decision, 'pending', JSON.stringify(requested));
  assert.ok(Number.isInteger(deadline), `approval_deadline is not an integer: ${JSON.stringify(requested)}`);
  assert.ok(
    Math.abs(deadline - (createdAt + APPROVAL_WINDOW_S)) < 120,
    `approval_deadline ${deadline} is not about 72 h after the order (${createdAt})`,
  );

  // The holder's e-mail carries the token; no webhook to the receiver does.
  const { mail, token } = await approvalToken(order.id);
  assert.ok(mail.body_text.includes(number), JSON.stringify(mail));
  assert.ok(token.length >= 40, token);
  for (const got of receiver.received(path)) {
    assert.ok(!got.body.includes(token), 'a webhook carries the token');
  }

  // Until the holder approves, the receiver cannot prove ownership: no code is sent.
  const early = (
    await api.messagingHostedNumberOrders.createVerificationCodes(order.id, {
      phone_numbers: [number],
      verification_method: 'sms',
    })
  ).data;
  assert.equal(early.length, 1, JSON.stringify(early));
  assert.equal(typeof early[0].error, 'string', JSON.stringify(early[0]));
});

test('internal transfer: the holder approves through client.post with the e-mailed token', async (t) => {
  const number = '+13125552142';
  const { api, receiver, path, order } = await openTransfer(t, number);
  await waitForEvent(receiver, path, TRANSFER_APPROVAL_REQUESTED);
  const { token } = await approvalToken(order.id);
  const approve = `/messaging_hosted_number_orders/${order.id}/approve`;
  const sentApprove = `POST /v2${approve}`;

  // The receiver's own key: PermissionDeniedError, final (not retried even with maxRetries 2).
  const asReceiver = countingClient(account('acme').api_key);
  const denied = await expectApiError(asReceiver.api.post(approve, { query: { token } }), PermissionDeniedError, 403);
  assert.equal(denied.code, '10010', JSON.stringify(denied));
  assert.deepEqual(asReceiver.sent, [sentApprove], 'one request: a 403 is not retried');

  // The holder approves with its key and the token (the 403 did not use it up).
  const asHolder = countingClient(account('globex').api_key);
  const answer = await asHolder.api.post(approve, { query: { token } });
  assert.deepEqual(asHolder.sent, [sentApprove]);
  const shown = JSON.stringify(answer);
  assert.equal(answer.data.id, order.id, shown);
  assert.deepEqual(answer.data.phone_numbers.map((n) => n.phone_number), [number], shown);
  assert.ok(answer.data.messaging_profile_id == null, `the holder sees no profile of the receiver: ${shown}`);

  // The token works once: UnprocessableEntityError, final.
  asHolder.sent.length = 0;
  let caught;
  await assert.rejects(asHolder.api.post(approve, { query: { token } }), (e) => {
    caught = e;
    return true;
  });
  assert.ok(
    caught instanceof UnprocessableEntityError,
    `expected UnprocessableEntityError, got ${caught?.constructor?.name}: ${caught?.message}`,
  );
  assert.equal(caught.status, 422);
  assert.equal(caught.headers.get('x-should-retry'), 'false');
  assert.equal(caught.error?.errors?.[0]?.code, '10015', JSON.stringify(caught.error));
  assert.deepEqual(asHolder.sent, [sentApprove], 'one request: a 422 is not retried');

  const approved = await verifiedTransferEvent(api, await waitForEvent(receiver, path, TRANSFER_APPROVED), order.id);
  assert.equal(approved.data.event_type, TRANSFER_APPROVED);
  assert.equal(approved.data.payload.decision, 'approved', JSON.stringify(approved));

  // Approved: the receiver can now prove ownership of the number.
  const codes = (
    await api.messagingHostedNumberOrders.createVerificationCodes(order.id, {
      phone_numbers: [number],
      verification_method: 'sms',
    })
  ).data;
  assert.equal(codes.length, 1, JSON.stringify(codes));
  assert.ok(!codes[0].error, JSON.stringify(codes[0]));
});

// ---------------------------------------------------------------------------
// porting orders, porting phone numbers and messaging on port-in
// ---------------------------------------------------------------------------
//
// Area code 718, which no other test here uses (the Python SDK test uses 646). A number may be in
// one open porting order at a time, so each test has numbers of its own (last four digits; all
// ordinary numbers, whose NNID the losing carrier releases at the FOC, but for 0150 (wireless)
// and 0950 (a carrier that cannot port messaging)):
//   0001, 0150, 0950 the portability check · 0002, 0151 the split, retrieve, update and delete
//   · 0010..0014 the list · 0030..0031 the port with messaging · 0040 the confirmed order.

const MESSAGING_CHANGED = 'porting_order.messaging_changed';
const PORTING_ORDER_DELETED = 'porting_order.deleted';

const portingNumber = (last4) => `+1718555${String(last4).padStart(4, '0')}`;

/** Moves a porting order as the losing carrier would (sandbox, admin listener, customer key). */
async function sandboxPortingStep(orderId, step, body = {}) {
  const { status, body: answer, text } = await adminJson(
    'POST',
    `/sandbox/v1/porting_orders/${orderId}/actions/${step}`,
    account('acme').api_key,
    body,
  );
  assert.equal(status, 200, `POST /sandbox/v1/porting_orders/${orderId}/actions/${step}: ${text}`);
  return answer.data;
}

/** portingOrders.create, checked: 201 and `data` a list of `count` draft orders. */
async function createPortingOrders(api, phoneNumbers, count, extra = {}) {
  const { data: body, response } = await api.portingOrders
    .create({ phone_numbers: phoneNumbers, ...extra })
    .withResponse();
  assert.equal(response.status, 201);
  const shown = JSON.stringify(body);
  assert.ok(Array.isArray(body.data), `create answers a list: ${shown}`);
  assert.equal(body.data.length, count, shown);
  for (const order of body.data) {
    assert.ok(order.id, shown);
    assert.equal(order.record_type, 'porting_order', shown);
    assert.equal(order.status.value, 'draft', shown);
    assert.equal(order.support_key, null, shown);
  }
  return body.data;
}

function messagingOf(order) {
  const m = order.messaging;
  return [m.messaging_capable, m.enable_messaging, m.messaging_port_status, m.messaging_port_completed];
}

/**
 * The webhook as client.webhooks.unwrap returns it, after checking that unwrap refuses the body
 * with the order id changed, and the right body under another key.
 */
async function verifiedPortingEvent(api, got, orderId) {
  const key = STATE.webhook_public_key;
  const event = await api.webhooks.unwrap(got.body, { headers: got.headers, key });
  const envelope = JSON.parse(got.body);
  assert.equal(event.data.id, envelope.data.id);
  assert.equal(event.data.event_type, envelope.data.event_type);
  assert.equal(event.data.record_type, 'event');
  assert.equal(event.data.payload.id, orderId, got.body);
  const tampered = got.body.replaceAll(orderId, randomUUID());
  assert.notEqual(tampered, got.body);
  await expectVerificationError(api.webhooks.unwrap(tampered, { headers: got.headers, key }));
  await expectVerificationError(api.webhooks.unwrap(got.body, { headers: got.headers, key: otherPublicKey() }));
  return event;
}

test('porting: portabilityChecks.run answers 201 with messaging_capable, carrier_name and phone_number_type', async () => {
  const numbers = [portingNumber(1), portingNumber(150), portingNumber(950)];
  const { data: body, response } = await acme().portabilityChecks.run({ phone_numbers: numbers }).withResponse();
  assert.equal(response.status, 201);
  const shown = JSON.stringify(body);
  assert.deepEqual(body.data.map((r) => r.phone_number), numbers, shown);
  for (const r of body.data) {
    assert.equal(r.record_type, 'portability_check_result', shown);
    assert.equal(r.portable, true, shown);
    assert.ok(!r.not_portable_reason, shown);
    assert.equal(typeof r.messaging_capable, 'boolean', shown);
    assert.equal(typeof r.carrier_name, 'string', shown);
    assert.ok(r.carrier_name.length > 0, shown);
  }
  assert.deepEqual(body.data.map((r) => r.phone_number_type), ['landline', 'mobile', 'landline'], shown);
  assert.deepEqual(body.data.map((r) => r.messaging_capable), [true, true, false], shown);
  assert.equal(new Set(body.data.map((r) => r.carrier_name)).size, 3, `three carriers: ${shown}`);
});

test('porting: create splits by carrier and type; retrieve, update and delete the drafts', async (t) => {
  const api = acme();
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const landline = portingNumber(2);
  const wireless = portingNumber(151);
  const reference = unique('porting-ref');
  const [landlineOrder, wirelessOrder] = await createPortingOrders(api, [landline, wireless], 2, {
    customer_reference: reference,
  });
  assert.equal(landlineOrder.phone_number_type, 'landline', JSON.stringify(landlineOrder));
  assert.equal(wirelessOrder.phone_number_type, 'mobile', JSON.stringify(wirelessOrder));
  for (const order of [landlineOrder, wirelessOrder]) {
    assert.equal(order.porting_phone_numbers_count, 1, JSON.stringify(order));
    assert.equal(order.customer_reference, reference, JSON.stringify(order));
    assert.equal(order.phone_numbers, undefined, 'phone_numbers only with include_phone_numbers');
  }
  assert.deepEqual(messagingOf(landlineOrder), [true, null, 'not_applicable', false]);
  const id = landlineOrder.id;
  const phoneNumbersUrl = `/porting_phone_numbers?filter[porting_order_id]=${id}`;

  // retrieve: the draft, its messaging object and meta.phone_numbers_url.
  const fetched = await api.portingOrders.retrieve(id);
  assert.equal(fetched.data.id, id);
  assert.equal(fetched.data.status.value, 'draft');
  assert.deepEqual(messagingOf(fetched.data), [true, null, 'not_applicable', false]);
  assert.equal(fetched.meta?.phone_numbers_url, phoneNumbersUrl, JSON.stringify(fetched.meta));
  const withNumbers = (await api.portingOrders.retrieve(id, { include_phone_numbers: true })).data;
  assert.deepEqual(
    withNumbers.phone_numbers.map((n) => [n.phone_number, n.porting_order_id, n.messaging_port_status]),
    [[landline, id, 'not_applicable']],
  );

  // update: messaging and the order's webhook URL, then the profile in a later PATCH.
  const path = '/hooks/porting-draft';
  const hook = receiver.url(path);
  const profile = await createProfileFor(t, api);
  const enabled = await api.portingOrders.update(id, { messaging: { enable_messaging: true }, webhook_url: hook });
  assert.deepEqual(messagingOf(enabled.data), [true, true, 'pending', false]);
  assert.equal(enabled.data.webhook_url, hook);
  assert.equal(enabled.meta?.phone_numbers_url, phoneNumbersUrl);
  const profiled = await api.portingOrders.update(id, {
    phone_number_configuration: { messaging_profile_id: profile.id },
  });
  assert.equal(profiled.data.phone_number_configuration.messaging_profile_id, profile.id);
  assert.deepEqual(messagingOf(profiled.data), [true, true, 'pending', false], 'a PATCH keeps what it does not send');
  assert.equal(profiled.data.webhook_url, hook);
  const unknownProfile = await expectApiError(
    api.portingOrders.update(id, { phone_number_configuration: { messaging_profile_id: randomUUID() } }),
    NotFoundError,
    404,
  );
  assert.equal(unknownProfile.source?.pointer, '/phone_number_configuration/messaging_profile_id');
  // Another account sees none of it.
  await expectApiError(globex().portingOrders.retrieve(id), NotFoundError, 404);

  // Enabling messaging is signed to the order's webhook URL.
  const changed = await verifiedPortingEvent(api, await waitForEvent(receiver, path, MESSAGING_CHANGED), id);
  assert.deepEqual(changed.data.payload, {
    id,
    customer_reference: reference,
    support_key: null,
    messaging: {
      messaging_capable: true,
      enable_messaging: true,
      messaging_port_status: 'pending',
      messaging_port_completed: false,
    },
  });

  // delete: a draft goes (204) and is gone.
  const deleted = await api.portingOrders.delete(id).asResponse();
  assert.equal(deleted.status, 204);
  await api.portingOrders.delete(wirelessOrder.id);
  for (const gone of [id, wirelessOrder.id]) {
    const err = await expectApiError(api.portingOrders.retrieve(gone), NotFoundError, 404);
    assert.equal(err.code, '10005', JSON.stringify(err));
  }
  const deletedEvent = await verifiedPortingEvent(
    api,
    await waitForEvent(receiver, path, PORTING_ORDER_DELETED),
    id,
  );
  assert.equal(deletedEvent.data.payload.record_type, 'porting_order', JSON.stringify(deletedEvent));
  assert.equal(typeof deletedEvent.data.payload.deleted_at, 'string', JSON.stringify(deletedEvent));
  // A deleted order releases its numbers.
  const [again] = await createPortingOrders(api, [landline], 1);
  await api.portingOrders.delete(again.id);
});

test('porting: list auto-paginates with for await and filters', async () => {
  const api = acme();
  const reference = unique('porting-list');
  const numbers = [10, 11, 12, 13, 14].map(portingNumber);
  const created = [];
  for (const number of numbers) {
    created.push((await createPortingOrders(api, [number], 1, { customer_reference: reference }))[0].id);
  }
  const query = { filter: { customer_reference: reference }, 'page[size]': 2 };

  const counted = countingClient(account('acme').api_key, 0);
  const first = await counted.api.portingOrders.list(query);
  const shown = JSON.stringify(first.meta);
  assert.equal(first.data.length, 2, shown);
  assert.equal(first.meta.page_number, 1, shown);
  assert.equal(first.meta.total_pages, 3, shown);
  assert.equal(first.meta.total_results, 5, shown);
  assert.equal(first.hasNextPage(), true);

  counted.sent.length = 0;
  const seen = (await collect(counted.api.portingOrders.list(query))).map((o) => o.id);
  assert.deepEqual(counted.sent, Array(3).fill('GET /v2/porting_orders'), 'one request per page');
  assert.deepEqual(seen, [...created].reverse(), 'each order once, newest first (the default)');
  const oldestFirst = (await collect(api.portingOrders.list({ ...query, sort: { value: 'created_at' } }))).map(
    (o) => o.id,
  );
  assert.deepEqual(oldestFirst, created);

  const byNumber = await collect(
    api.portingOrders.list({ filter: { phone_numbers: { phone_number: { contains: numbers[2].slice(2) } } } }),
  );
  assert.deepEqual(byNumber.map((o) => o.id), [created[2]]);
  const withNumbers = await collect(api.portingOrders.list({ ...query, include_phone_numbers: true }));
  assert.deepEqual(
    withNumbers.map((o) => o.phone_numbers.map((n) => n.phone_number)),
    [...numbers].reverse().map((n) => [n]),
  );
  assert.deepEqual(await collect(globex().portingOrders.list(query)), [], 'another account lists none');
});

test('porting: a confirmed order is not deleted (UnprocessableEntityError, not retried)', async () => {
  const api = acme();
  const [order] = await createPortingOrders(api, [portingNumber(40)], 1);
  const confirmed = await api.portingOrders.actions.confirm(order.id);
  assert.equal(confirmed.data.status.value, 'in-process', JSON.stringify(confirmed));
  assert.match(confirmed.data.support_key ?? '', /^sr_/, JSON.stringify(confirmed));

  const counted = countingClient(account('acme').api_key);
  const err = await expectApiError(counted.api.portingOrders.delete(order.id), UnprocessableEntityError, 422);
  assert.equal(err.code, '10015', JSON.stringify(err));
  assert.ok((err.detail ?? '').includes('in-process'), JSON.stringify(err));
  assert.deepEqual(counted.sent, [`DELETE /v2/porting_orders/${order.id}`], 'one request: a 422 is not retried');
  assert.equal((await api.portingOrders.retrieve(order.id)).data.status.value, 'in-process');
});

test('porting: messaging ports with voice; portingPhoneNumbers.list; messaging_changed verified with unwrap', async (t) => {
  const api = acme();
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const numbers = [portingNumber(30), portingNumber(31)];
  const path = '/hooks/porting';
  const hook = receiver.url(path);
  const reference = unique('porting-port');
  const profile = (
    await api.messagingProfiles.create({
      name: unique('porting'),
      whitelisted_destinations: ['US'],
      webhook_url: receiver.url('/hooks/porting-profile'),
    })
  ).data;
  t.after(async () => {
    try {
      await api.messagingProfiles.delete(profile.id);
    } catch {
      // still holding numbers: the suite is discarded anyway
    }
  });

  const [order] = await createPortingOrders(api, numbers, 1, { customer_reference: reference });
  const id = order.id;
  await api.portingOrders.update(id, { messaging: { enable_messaging: true }, webhook_url: hook });
  await api.portingOrders.update(id, { phone_number_configuration: { messaging_profile_id: profile.id } });
  const confirmed = (await api.portingOrders.actions.confirm(id)).data;
  assert.equal(confirmed.status.value, 'in-process', JSON.stringify(confirmed));
  const supportKey = confirmed.support_key;
  assert.match(supportKey ?? '', /^sr_/, JSON.stringify(confirmed));

  // The losing carrier: the FOC date is confirmed (a day ahead), then the FOC comes now.
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
  const foc = await sandboxPortingStep(id, 'confirm_foc', { foc_datetime_actual: tomorrow });
  assert.equal(foc.status.value, 'foc-date-confirmed', JSON.stringify(foc));
  const beforePort = Date.now();
  const ported = await sandboxPortingStep(id, 'port');
  assert.equal(ported.status.value, 'ported', JSON.stringify(ported));
  assert.ok(
    Date.parse(ported.activation_settings.foc_datetime_actual) < beforePort + 60_000,
    `the FOC is now: ${JSON.stringify(ported)}`,
  );

  // Both numbers release their NNID at the FOC: the order's messaging is ported.
  const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
  let done;
  for (;;) {
    done = (await api.portingOrders.retrieve(id)).data;
    if (done.messaging.messaging_port_status === 'ported') break;
    if (Date.now() > deadline) {
      throw new Error(`messaging never ported (the port step answered ${JSON.stringify(ported)}): ${JSON.stringify(done)}`);
    }
    await sleep(100);
  }
  assert.deepEqual(messagingOf(done), [true, true, 'ported', true]);
  assert.equal(done.status.value, 'ported');

  // Each number: the SDK's filter[porting_order_status], and filter[porting_order_id] (not in the
  // SDK's types) in the same deepObject filter.
  const mine = await collect(
    api.portingPhoneNumbers.list({ filter: { porting_order_status: 'ported', porting_order_id: id } }),
  );
  assert.deepEqual(mine.map((n) => n.phone_number).sort(), numbers, JSON.stringify(mine));
  for (const n of mine) {
    const shown = JSON.stringify(n);
    assert.equal(n.record_type, 'porting_phone_number', shown);
    assert.equal(n.porting_order_id, id, shown);
    assert.equal(n.porting_order_status, 'ported', shown);
    assert.equal(n.support_key, supportKey, shown);
    assert.equal(n.messaging_port_status, 'ported', shown);
    assert.equal(n.messaging_profile_id, profile.id, `each number gets the profile: ${shown}`);
  }
  const counted = countingClient(account('acme').api_key, 0);
  const everyPorted = await collect(
    counted.api.portingPhoneNumbers.list({ filter: { porting_order_status: 'ported' }, 'page[size]': 1 }),
  );
  assert.equal(counted.sent.length, everyPorted.length, 'page size 1: one request per number');
  for (const number of numbers) assert.ok(everyPorted.some((n) => n.phone_number === number), number);
  assert.ok(everyPorted.every((n) => n.porting_order_status === 'ported'), JSON.stringify(everyPorted));
  const bad = await expectApiError(
    api.portingPhoneNumbers.list({ filter: { porting_order_status: 'done' } }),
    UnprocessableEntityError,
    422,
  );
  assert.equal(bad.code, '10032', JSON.stringify(bad));

  // Every messaging_changed the notifier delivered (webhook deliveries filtered by the order) has
  // arrived; each verifies with client.webhooks.unwrap, and a tampered one throws.
  const arrivedBy = Date.now() + ARRIVAL_TIMEOUT_MS;
  let changes;
  for (;;) {
    const delivered = (
      await collect(
        api.webhookDeliveries.list({
          filter: { resource_id: id, event_type: MESSAGING_CHANGED, status: { eq: 'delivered' } },
        }),
      )
    )
      .map((d) => d.webhook.id)
      .sort();
    const byId = new Map();
    for (const r of receiver.received(path)) {
      const envelope = JSON.parse(r.body);
      if (envelope.data.event_type === MESSAGING_CHANGED && !byId.has(envelope.data.id)) {
        byId.set(envelope.data.id, r); // duplicates share data.id
      }
    }
    const ids = [...byId.keys()].sort(); // event ids are UUIDv7: the order they were emitted
    changes = ids.map((eventId) => byId.get(eventId));
    const statuses = changes.map((r) => JSON.parse(r.body).data.payload.messaging.messaging_port_status);
    if (statuses.includes('ported') && JSON.stringify(ids) === JSON.stringify(delivered)) break;
    if (Date.now() > arrivedBy) {
      throw new Error(`messaging_changed: delivered ${JSON.stringify(delivered)}, received ${JSON.stringify(ids)}`);
    }
    await sleep(100);
  }
  for (const got of changes) await verifiedPortingEvent(api, got, id);
  const last = await verifiedPortingEvent(api, changes[changes.length - 1], id);
  assert.equal(last.data.event_type, MESSAGING_CHANGED);
  assert.deepEqual(last.data.payload, {
    id,
    customer_reference: reference,
    support_key: supportKey,
    messaging: {
      messaging_capable: true,
      enable_messaging: true,
      messaging_port_status: 'ported',
      messaging_port_completed: true,
    },
  });

  // One messaging_changed per change of the order's messaging_port_status, each naming the status
  // it changed to: pending, then (activating, then) ported.
  // A port whose NNIDs are all released at the FOC goes from `pending` to `ported` in one change:
  // one event, not one per intermediate step.
  const steps = changes.map((r) => JSON.parse(r.body).data.payload.messaging.messaging_port_status);
  assert.deepEqual(
    steps,
    ['pending', 'activating', 'ported'].filter((s) => steps.includes(s)),
    `one messaging_changed per change, in order: ${JSON.stringify(steps)}`,
  );
});
