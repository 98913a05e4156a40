import type { CreateProductRequest, Product } from '@saga/contracts/inventory';
import { CURRENCY } from './address.mapper.ts';

/** A product and its stock, as the API shows it. */
export type ProductDto = {
  readonly sku: string;
  readonly name: string;
  readonly priceCents: number;
  readonly currency: typeof CURRENCY;
  readonly available: number;
  readonly reserved: number;
  readonly committed: number;
};

/** What `POST /v1/products` asks for. */
export type CreateProductInput = {
  readonly sku: string;
  readonly name: string;
  readonly priceCents: number;
  readonly stock: number;
};

export function toProductDto(product: Product): ProductDto {
  return {
    sku: product.sku,
    name: product.name,
    priceCents: product.priceCents,
    currency: CURRENCY,
    available: product.available,
    reserved: product.reserved,
    committed: product.committed,
  };
}

export function toCreateProductRequest(input: CreateProductInput): CreateProductRequest {
  return { sku: input.sku, name: input.name, priceCents: input.priceCents, stock: input.stock };
}
