import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Order } from '@saga/contracts/order';
import { toCreateOrderRequest, toOrderDto } from './order.mapper.ts';
import { UnexpectedReplyError } from './reply.errors.ts';

const address = {
  name: 'Ada',
  line1: '1 Main St',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

const order = (over: Parameters<typeof Order.fromPartial>[0] = {}) =>
  Order.fromPartial({
    orderId: 'o-1',
    customerId: 'c-1',
    status: 'ORDER_STATUS_CONFIRMED',
    items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 }],
    totalCents: 2500,
    shippingAddress: address,
    sagaMode: 'SAGA_MODE_ORCHESTRATION',
    timeline: [
      {
        step: 'StockReserved',
        source: 'inventory',
        outcome: 'ok',
        detail: '',
        at: 't1',
        messageId: 'm-1',
      },
    ],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:01.000Z',
    ...over,
  });

test('an order maps to the API shape: enums by name, EUR, timeline without message ids, empty reason left out', () => {
  assert.deepEqual(toOrderDto(order()), {
    orderId: 'o-1',
    customerId: 'c-1',
    status: 'CONFIRMED',
    items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 }],
    totalCents: 2500,
    currency: 'EUR',
    shippingAddress: address,
    sagaMode: 'orchestration',
    timeline: [{ step: 'StockReserved', source: 'inventory', outcome: 'ok', detail: '', at: 't1' }],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:01.000Z',
  });
});

test('a rejected order carries its reason and detail', () => {
  const dto = toOrderDto(
    order({
      status: 'ORDER_STATUS_REJECTED',
      reason: 'OUT_OF_STOCK',
      reasonDetail: 'SKU-1: 0 left',
    }),
  );
  assert.equal(dto.status, 'REJECTED');
  assert.equal(dto.reason, 'OUT_OF_STOCK');
  assert.equal(dto.reasonDetail, 'SKU-1: 0 left');
});

test('an order the contract rules out (unspecified status or mode, no address) is an unexpected reply', () => {
  assert.throws(
    () => toOrderDto(order({ status: 'ORDER_STATUS_UNSPECIFIED' })),
    UnexpectedReplyError,
  );
  assert.throws(
    () => toOrderDto(order({ sagaMode: 'SAGA_MODE_UNSPECIFIED' })),
    UnexpectedReplyError,
  );
  assert.throws(() => toOrderDto({ ...order(), shippingAddress: undefined }), UnexpectedReplyError);
});

test('a placed order becomes a CreateOrder request; no saga mode means the service default', () => {
  const input = {
    customerId: 'c-1',
    items: [{ sku: 'SKU-1', quantity: 3 }],
    shippingAddress: address,
  };
  assert.deepEqual(toCreateOrderRequest(input, 'gw_1'), {
    requestId: 'gw_1',
    customerId: 'c-1',
    items: [{ sku: 'SKU-1', quantity: 3 }],
    shippingAddress: address,
    sagaMode: 'SAGA_MODE_UNSPECIFIED',
  });
  assert.equal(
    toCreateOrderRequest({ ...input, sagaMode: 'choreography' }, 'gw_1').sagaMode,
    'SAGA_MODE_CHOREOGRAPHY',
  );
});

test('an order carries the trace id of the request that placed it, and leaves it out when empty', () => {
  assert.equal(
    toOrderDto(order({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736' })).traceId,
    '4bf92f3577b34da6a3ce929d0e0e4736',
  );
  assert.equal('traceId' in toOrderDto(order({ traceId: '' })), false);
});
