import { HOST_CONFIG } from '@saga/service-host';
import { type Static, Type } from '@sinclair/typebox';

/**
 * The inventory service's environment (services/README.md, "Process contract"): the variables
 * every bounded-context service reads, and none of its own.
 */
export const inventoryConfigSchema = Type.Object({ ...HOST_CONFIG });

/** The inventory service's parsed config. */
export type InventoryConfig = Static<typeof inventoryConfigSchema>;
