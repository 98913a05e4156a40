import type { Address } from '@saga/contracts/common';

/** The platform's single currency; amounts are integer cents of it. */
export const CURRENCY = 'EUR';

/** A shipping address as the API shows it. */
export type AddressDto = {
  readonly name: string;
  readonly line1: string;
  readonly city: string;
  readonly postalCode: string;
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string;
};

/** Copies an address field by field, so nothing the API does not document leaks through. */
export function toAddressDto(address: Address): AddressDto {
  return {
    name: address.name,
    line1: address.line1,
    city: address.city,
    postalCode: address.postalCode,
    country: address.country,
  };
}

/** Adds `key: value` only when `value` is not empty: the API omits empty optional strings. */
export function optional<K extends string>(key: K, value: string): { readonly [P in K]?: string } {
  return (value ? { [key]: value } : {}) as { readonly [P in K]?: string };
}
