/**
 * The payment fixtures of docs/fixtures.md: named customers that force each outcome of the
 * authorisation, like a payment provider's test cards. The `merchant` house account is created
 * by the migration, since captures need it whether fixtures are loaded or not.
 */
import type pg from 'pg';
import type { Account } from '../domain/account.domain.ts';
import { insertAccount } from './payment.repository.ts';

const MILLION_EUR = 100_000_000;

const account = (
  id: string,
  name: string,
  balanceCents: number,
  behaviour: Partial<Pick<Account, 'declinesAll' | 'slow'>> = {},
): Account => ({
  id,
  name,
  balanceCents,
  heldCents: 0,
  creditLimitCents: 0,
  declinesAll: behaviour.declinesAll ?? false,
  slow: behaviour.slow ?? false,
});

/** The fixture customers (docs/fixtures.md, "Customers"). */
export const FIXTURE_CUSTOMERS: readonly Account[] = [
  account('cust_alice', 'Alice', MILLION_EUR),
  account('cust_bob', 'Bob', 5_000),
  account('cust_declined', 'Declined Card', MILLION_EUR, { declinesAll: true }),
  account('cust_slow', 'Slow Payer', MILLION_EUR, { slow: true }),
];

/**
 * Loads the fixture customers. Idempotent: a customer that exists is left as it is (its
 * balance may have moved since).
 */
export async function seedFixtures(pool: pg.Pool): Promise<void> {
  for (const customer of FIXTURE_CUSTOMERS) await insertAccount(pool, customer);
}
