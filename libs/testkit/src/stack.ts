import { homedir } from 'node:os';
import { resolve } from 'node:path';
import {
  type ClientEndpoints,
  clientEndpoints,
  loadStackSettings,
  type StackSettings,
} from '@saga/topology';

/** Settings and client addresses of the stack under test. */
export type TestStack = {
  readonly settings: StackSettings;
  readonly endpoints: ClientEndpoints;
};

/**
 * Reads the stack's settings from an environment (a test passes `process.env`).
 * @throws {ConfigError} naming a variable with an unusable value.
 */
export function testStack(env: Readonly<Record<string, string | undefined>>): TestStack {
  const repoRoot = resolve(import.meta.dirname, '../../..');
  const settings = loadStackSettings(env, { repoRoot, home: homedir() });
  return { settings, endpoints: clientEndpoints(settings) };
}
