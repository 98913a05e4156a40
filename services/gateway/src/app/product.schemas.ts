import { Type } from '@sinclair/typebox';
import { CurrencySchema } from './common.schemas.ts';

const SKU_PATTERN = '^[A-Z0-9][A-Z0-9-]{1,63}$';

export const SkuParams = Type.Object({ sku: Type.String({ minLength: 1, maxLength: 64 }) });

export const CreateProductBody = Type.Object(
  {
    sku: Type.String({ pattern: SKU_PATTERN, examples: ['SKU-TEE-001'] }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    priceCents: Type.Integer({ minimum: 1, maximum: 100_000_000 }),
    stock: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
  },
  { additionalProperties: false },
);

export const ProductSchema = Type.Object(
  {
    sku: Type.String(),
    name: Type.String(),
    priceCents: Type.Integer(),
    currency: CurrencySchema,
    available: Type.Integer({ description: 'Free to reserve.' }),
    reserved: Type.Integer({ description: 'Held for orders in flight.' }),
    committed: Type.Integer({ description: 'Sold: reservations of confirmed orders.' }),
  },
  { $id: 'Product' },
);
