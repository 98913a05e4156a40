// The saga timeline page in a real browser: an order placed through the API, watched live on
// /ui/orders/<id>, found in the /ui list, and followed to its trace in Jaeger. Screenshots go to
// .artifacts/e2e/browser/ (SAGA_DOCS_SCREENSHOTS=1 also refreshes docs/images/).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testStack } from '@saga/testkit';
import type { Browser, Page } from 'playwright-core';
import { ADDRESS, GATEWAY, placeOrder, settled } from '../support/api.ts';
import { launchBrowser, newPage, screenshot } from '../support/browser.ts';

const { endpoints } = testStack(process.env);
/** Longer than a Slowtown shipment (SHIPPING_SLOW_MS, 5 s) plus the 2 s quiet period. */
const SETTLE_MS = 20_000;
/** Spans reach Jaeger in batches (about every second per service). */
const TRACE_MS = 20_000;

let browser: Browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

async function place(sagaMode: string, address = ADDRESS): Promise<string> {
  const res = await placeOrder({
    customerId: 'cust_alice',
    items: [{ sku: 'SKU-BOOK', quantity: 1 }],
    shippingAddress: address,
    sagaMode,
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.orderId;
}

const status = (page: Page, value: string) =>
  page.locator('[data-testid="order-status"]', { hasText: new RegExp(`^${value}$`) });
const step = (page: Page, name: string) =>
  page.locator(`[data-testid="step"][data-step="${name}"]`);
const steps = (page: Page) =>
  page
    .locator('[data-testid="step"]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-step')));

test('a choreographed order appears step by step while PENDING, ends CONFIRMED, and its link opens the trace in Jaeger', async () => {
  // A Slowtown shipment is scheduled after SHIPPING_SLOW_MS: the page is open while it waits.
  const orderId = await place('choreography', { ...ADDRESS, city: 'Slowtown' });
  const { page, errors } = await newPage(browser);
  await page.goto(`${GATEWAY}/ui/orders/${orderId}`);

  await step(page, 'PaymentAuthorized').waitFor({ timeout: SETTLE_MS });
  await status(page, 'PENDING').waitFor({ timeout: 1_000 });
  assert.equal(await page.getAttribute('[data-testid="live-state"]', 'data-state'), 'live');
  await screenshot(page, 'choreography-pending');

  await status(page, 'CONFIRMED').waitFor({ timeout: SETTLE_MS });
  await page
    .locator('[data-testid="live-state"][data-state="settled"]')
    .waitFor({ timeout: SETTLE_MS });
  const shown = await steps(page);
  for (const name of [
    'OrderPlaced',
    'StockReserved',
    'PaymentAuthorized',
    'ShipmentScheduled',
    'OrderConfirmed',
    'StockCommitted',
    'PaymentCaptured',
  ]) {
    assert.ok(shown.includes(name), `${name} missing from ${shown.join(', ')}`);
  }
  const order = await settled(orderId);
  assert.equal(shown.length, order.timeline.length, 'the page shows every timeline entry');
  await screenshot(page, 'choreography-confirmed');

  const traceId = (order as { traceId?: string }).traceId;
  assert.ok(traceId, 'the order has a trace id');
  const link = page.locator('[data-testid="trace-link"]');
  assert.equal(await link.getAttribute('href'), `${endpoints.jaegerUrl}/trace/${traceId}`);
  await link.click();
  await page.waitForURL(`${endpoints.jaegerUrl}/trace/${traceId}`);
  for (const service of ['gateway', 'order', 'inventory', 'payment', 'shipping']) {
    await page
      .locator(`[data-testid="trace-services"] [data-service="${service}"]`)
      .waitFor({ timeout: TRACE_MS });
  }
  assert.match(await page.title(), /^gateway: POST/);
  await screenshot(page, 'jaeger-trace', 'jaeger-trace');
  // A span's attributes open on click: the consumer of the ShipmentScheduled event.
  const consumer = page
    .locator('[data-testid="span"][data-service="order"]', { hasText: 'ShipmentScheduled' })
    .first();
  await consumer.click();
  await page
    .locator('[data-testid="span-details"]', { hasText: 'messaging.message.type' })
    .waitFor({ timeout: 5_000 });
  await screenshot(page, 'jaeger-span-details');
  assert.deepEqual(errors, []);
  await page.close();
});

test('an orchestrated order rejected at shipping shows its compensations and the orchestrator log', async () => {
  // Postal code 00000 is undeliverable: payment is voided, then stock released.
  const orderId = await place('orchestration', { ...ADDRESS, postalCode: '00000' });
  const { page, errors } = await newPage(browser);
  await page.goto(`${GATEWAY}/ui/orders/${orderId}`);

  await status(page, 'REJECTED').waitFor({ timeout: SETTLE_MS });
  await page
    .locator('[data-testid="saga-state"]', { hasText: 'COMPENSATED' })
    .waitFor({ timeout: SETTLE_MS });
  await page
    .locator('[data-testid="live-state"][data-state="settled"]')
    .waitFor({ timeout: SETTLE_MS });
  assert.equal(await step(page, 'ShipmentRejected').getAttribute('data-outcome'), 'failed');
  for (const name of ['PaymentVoided', 'StockReleased']) {
    assert.match((await step(page, name).getAttribute('class')) ?? '', /\bcompensation\b/, name);
  }
  const commands = await page.locator('[data-testid="saga"] .compensation-cmd').allTextContents();
  assert.deepEqual(commands, ['VoidPayment', 'ReleaseStock']);
  await screenshot(page, 'orchestration-rejected', 'timeline-order');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the order list shows a new order with its status and mode, and links to its timeline', async () => {
  const orderId = await place('orchestration');
  await settled(orderId);
  const { page, errors } = await newPage(browser);
  await page.goto(`${GATEWAY}/ui`);
  const row = page.locator(`[data-testid="orders"] tr[data-order-id="${orderId}"]`);
  await row.waitFor({ timeout: 10_000 });
  await page
    .locator(`tr[data-order-id="${orderId}"][data-status="CONFIRMED"]`)
    .waitFor({ timeout: 10_000 });
  assert.match((await row.textContent()) ?? '', /orchestration/);
  await screenshot(page, 'order-list', 'timeline-list');
  await row.getByRole('link', { name: orderId }).click();
  await page.waitForURL(`${GATEWAY}/ui/orders/${orderId}`);
  await status(page, 'CONFIRMED').waitFor({ timeout: 5_000 });
  assert.deepEqual(errors, []);
  await page.close();
});
