import type { Shipment } from '@saga/contracts/shipping';
import { type AddressDto, optional, toAddressDto } from './address.mapper.ts';

/** The shipment of an order, as the API shows it. */
export type ShipmentDto = {
  readonly orderId: string;
  readonly status: string;
  readonly reason?: string;
  /** Absent for a shipment refused before it was scheduled. */
  readonly address?: AddressDto;
  /** ISO 8601 date; only for a scheduled shipment. */
  readonly deliveryDate?: string;
};

export function toShipmentDto(shipment: Shipment): ShipmentDto {
  return {
    orderId: shipment.orderId,
    status: shipment.status,
    ...optional('reason', shipment.reason),
    ...(shipment.address ? { address: toAddressDto(shipment.address) } : {}),
    ...optional('deliveryDate', shipment.deliveryDate),
  };
}
