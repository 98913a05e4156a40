import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '@saga/service-kit';
import { runService } from './run.ts';

function fakeProcess() {
  const listeners = new Map<string, () => void>();
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => {
    resolveExit = r;
  });
  return {
    exited,
    signal: (name: string) => listeners.get(name)?.(),
    process: {
      exit: (code: number) => resolveExit(code),
      once: (signal: 'SIGTERM' | 'SIGINT', listener: () => void) => listeners.set(signal, listener),
    },
  };
}

const logger = createLogger({ service: 'test', level: 'silent' });

test('on SIGTERM the shutdown runs its phases in order, closers after the app, then exits 0', async () => {
  const steps: string[] = [];
  const p = fakeProcess();
  await runService({
    service: 'test',
    logger,
    process: p.process,
    app: {
      start: async () => steps.push('start'),
      register: (shutdown) => {
        shutdown.register('stop-intake', 'intake', () => {
          steps.push('stop-intake');
        });
        shutdown.register('close-resources', 'pool', () => {
          steps.push('close pool');
        });
      },
    },
    closers: [{ step: 'client', close: () => void steps.push('close client') }],
  });
  p.signal('SIGTERM');
  assert.equal(await p.exited, 0);
  assert.deepEqual(steps, ['start', 'stop-intake', 'close client', 'close pool']);
});

test('a failed start still runs the shutdown, and exits 1', async () => {
  const steps: string[] = [];
  const p = fakeProcess();
  await runService({
    service: 'test',
    logger,
    process: p.process,
    app: {
      start: async () => {
        throw new Error('database unreachable');
      },
      register: (shutdown) =>
        shutdown.register('close-resources', 'pool', () => {
          steps.push('close pool');
        }),
    },
  });
  assert.equal(await p.exited, 1);
  assert.deepEqual(steps, ['close pool']);
});
