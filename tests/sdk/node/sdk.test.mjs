// SDK smoke test: drives a running textport suite with the official `telnyx` Node SDK
// (pinned in package.json), changing nothing but baseURL.
//
//   TEXTPORT_BIN=target/debug/textport bash tests/sdk/node/run.sh
//
// TEXTPORT_STATE_FILE is the JSON written by `textport up --state-file`:
//   {"api_base_url": "http://127.0.0.1:PORT/v2", "sandbox_url": "http://127.0.0.1:PORT/sandbox/v1",
//    "webhook_public_key": "<base64>", "accounts": [{"name", "id", "api_key"}, ...], ...}
//
// Sandbox magic numbers are US numbers +1 NPA 555 XXXX; the last four digits pick the
// outcome. The demo seed gives +13125552000..2099 to acme and +13125552100..2199 to globex.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';

import Telnyx, {
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  UnprocessableEntityError,
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
