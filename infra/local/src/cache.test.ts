import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { after, before, test } from 'node:test';
import { cachedInstall, isCached } from './cache.ts';

let cache: string;
before(async () => {
  cache = await mkdtemp(`${tmpdir()}/saga-cache-test-`);
});
after(async () => {
  await rm(cache, { recursive: true, force: true });
});

test('a finished install is built once and reused afterwards', async () => {
  let builds = 0;
  const build = async (dir: string) => {
    builds += 1;
    await writeFile(`${dir}/tool`, 'v1');
  };
  const first = await cachedInstall(cache, 'tool-1', build);
  const second = await cachedInstall(cache, 'tool-1', build);
  assert.deepEqual([first.built, second.built, builds], [true, false, 1]);
  assert.equal(await readFile(`${first.dir}/tool`, 'utf8'), 'v1');
  assert.ok(isCached(cache, 'tool-1'));
});

test('an install that fails half-way leaves nothing a later run would take for finished', async () => {
  await assert.rejects(
    cachedInstall(cache, 'tool-2', async (dir) => {
      await writeFile(`${dir}/half`, 'partial');
      throw new Error('network went away');
    }),
    /network went away/,
  );
  assert.equal(isCached(cache, 'tool-2'), false);
  assert.equal(existsSync(`${cache}/tool-2`), false);
  assert.deepEqual(
    (await readdir(cache)).filter((f) => f.startsWith('tool-2')),
    [],
  );

  const retry = await cachedInstall(cache, 'tool-2', async (dir) => {
    await writeFile(`${dir}/whole`, 'ok');
  });
  assert.equal(retry.built, true);
  assert.deepEqual((await readdir(retry.dir)).sort(), ['.complete', 'whole']);
});
