/**
 * The public API's edges against the running platform: problem+json errors, the OpenAPI
 * document, and a dependency down answering 503 quickly instead of hanging.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { createToxiproxyClient, eventually, testStack } from '@saga/testkit';
import { ADDRESS, api, GATEWAY, placeOrder } from '../support/api.ts';

const toxiproxy = createToxiproxyClient(testStack(process.env).endpoints.toxiproxyUrl);
after(() => toxiproxy.reset());

const isProblem = (h: Headers) => h.get('content-type')?.startsWith('application/problem+json');

test('an invalid order is a 400 problem naming the field', async () => {
  const res = await placeOrder({
    customerId: 'cust_alice',
    items: [{ sku: 'SKU-BOOK', quantity: 0 }],
  });
  assert.equal(res.status, 400);
  assert.ok(isProblem(res.headers));
  assert.match(JSON.stringify(res.body), /items\/0\/quantity/);
});

test('an order without an Idempotency-Key is a 400 problem', async () => {
  const res = await api('POST', '/v1/orders', {
    body: {
      customerId: 'cust_alice',
      items: [{ sku: 'SKU-BOOK', quantity: 1 }],
      shippingAddress: ADDRESS,
    },
  });
  assert.equal(res.status, 400);
  assert.ok(isProblem(res.headers));
  assert.match(String(res.body.detail), /Idempotency-Key/);
});

test('an unknown SKU is a 422 problem naming it', async () => {
  const res = await placeOrder({
    customerId: 'cust_alice',
    items: [{ sku: 'SKU-DOES-NOT-EXIST', quantity: 1 }],
  });
  assert.equal(res.status, 422);
  assert.match(String((res.body as Record<string, unknown>).detail), /SKU-DOES-NOT-EXIST/);
});

test('an unknown order, product or customer is a 404 problem', async () => {
  for (const path of [
    `/v1/orders/${randomUUID()}`,
    '/v1/products/SKU-NOPE',
    '/v1/customers/cust_nobody',
  ]) {
    const res = await api('GET', path);
    assert.equal(res.status, 404, path);
    assert.ok(isProblem(res.headers), path);
  }
});

test('the fixtures are served: products and customers of docs/fixtures.md', async () => {
  const products = await api<{ products: { sku: string }[] }>('GET', '/v1/products');
  assert.equal(products.status, 200);
  const skus = products.body.products.map((p) => p.sku);
  for (const sku of ['SKU-BOOK', 'SKU-MUG', 'SKU-TSHIRT', 'SKU-SOLDOUT'])
    assert.ok(skus.includes(sku), sku);
  const alice = await api<{ customerId: string }>('GET', '/v1/customers/cust_alice');
  assert.equal(alice.status, 200);
});

test('the OpenAPI document and its docs UI are served', async () => {
  const doc = await api<{ openapi: string; paths: Record<string, unknown> }>(
    'GET',
    '/openapi.json',
  );
  assert.equal(doc.status, 200);
  assert.match(doc.body.openapi, /^3\./);
  for (const path of [
    '/v1/orders',
    '/v1/orders/{orderId}',
    '/v1/products',
    '/v1/customers/{customerId}',
  ]) {
    assert.ok(doc.body.paths[path], path);
  }
  const ui = await fetch(`${GATEWAY}/docs/`, { redirect: 'follow' });
  assert.equal(ui.status, 200);
  assert.match(await ui.text(), /<html/i);
});

test('with the gateway cut off from the order service (its gateway->order edge), placing an order answers 503 with Retry-After, quickly', async () => {
  await toxiproxy.setEnabled('gateway->order', false);
  try {
    const started = Date.now();
    const res = await placeOrder({
      customerId: 'cust_alice',
      items: [{ sku: 'SKU-BOOK', quantity: 1 }],
    });
    const took = Date.now() - started;
    assert.equal(res.status, 503);
    assert.ok(isProblem(res.headers));
    assert.ok(res.headers.get('retry-after'), 'Retry-After is set');
    assert.ok(took < 10_000, `answered in ${took} ms, not a hang`);
  } finally {
    await toxiproxy.setEnabled('gateway->order', true);
  }
  // Once the edge is back (and the breaker half-opens), orders go through again.
  await eventually(
    async () => {
      const res = await placeOrder({
        customerId: 'cust_alice',
        items: [{ sku: 'SKU-BOOK', quantity: 1 }],
      });
      assert.equal(res.status, 202);
    },
    { timeoutMs: 20_000, intervalMs: 500, description: 'orders accepted again' },
  );
});
