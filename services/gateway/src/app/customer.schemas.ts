import { Type } from '@sinclair/typebox';
import { CurrencySchema } from './common.schemas.ts';

const CUSTOMER_ID = { minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' };

export const CustomerIdParams = Type.Object({ customerId: Type.String(CUSTOMER_ID) });

export const CreateCustomerBody = Type.Object(
  {
    customerId: Type.Optional(
      Type.String({
        ...CUSTOMER_ID,
        description: 'Chosen by the gateway (cust_<uuid>) when absent.',
      }),
    ),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    balanceCents: Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 }),
    creditLimitCents: Type.Integer({ minimum: 0, maximum: 1_000_000_000_000, default: 0 }),
  },
  { additionalProperties: false },
);

export const CustomerSchema = Type.Object(
  {
    customerId: Type.String(),
    name: Type.String(),
    balanceCents: Type.Integer({ description: 'Negative when credit is used.' }),
    heldCents: Type.Integer({ description: 'Held by authorisations not yet captured or voided.' }),
    creditLimitCents: Type.Integer(),
    availableCents: Type.Integer({ description: 'balance - held + credit limit.' }),
    currency: CurrencySchema,
  },
  { $id: 'Customer' },
);
