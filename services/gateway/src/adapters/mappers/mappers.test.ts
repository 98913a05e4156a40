import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Payment } from '@saga/contracts/payment';
import { Shipment } from '@saga/contracts/shipping';
import { toPaymentDto } from './payment.mapper.ts';
import { toShipmentDto } from './shipping.mapper.ts';

const address = {
  name: 'Ada',
  line1: '1 Main St',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

test('a payment and a shipment leave out their empty optional fields', () => {
  assert.deepEqual(
    toPaymentDto(
      Payment.fromPartial({ orderId: 'o', customerId: 'c', amountCents: 5, status: 'CAPTURED' }),
    ),
    { orderId: 'o', customerId: 'c', amountCents: 5, currency: 'EUR', status: 'CAPTURED' },
  );
  assert.deepEqual(
    toShipmentDto(
      Shipment.fromPartial({
        orderId: 'o',
        status: 'REJECTED',
        reason: 'ADDRESS_REJECTED',
        address,
      }),
    ),
    { orderId: 'o', status: 'REJECTED', reason: 'ADDRESS_REJECTED', address },
  );
  assert.equal(
    toShipmentDto(
      Shipment.fromPartial({
        orderId: 'o',
        status: 'SCHEDULED',
        address,
        deliveryDate: '2026-02-01',
      }),
    ).deliveryDate,
    '2026-02-01',
  );
});
