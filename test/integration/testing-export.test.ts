/**
 * `drover/testing` as a third-party broker author gets it: the package is
 * packed (`npm pack`, no network), unpacked into a scratch project's
 * node_modules/drover, the dependencies linked from this repository's
 * node_modules, and a test file there runs the conformance suite on the
 * packed memory broker through vitest.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'drover-testing-export-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it('drover/testing - runBrokerConformance() works from the packed package in a scratch project', () => {
  const packed = execFileSync(
    'npm',
    ['pack', '--ignore-scripts', '--silent', '--offline', '--pack-destination', scratch],
    { cwd: ROOT, encoding: 'utf8' },
  )
    .trim()
    .split('\n')
    .at(-1)!;
  const modules = join(scratch, 'node_modules');
  const drover = join(modules, 'drover');
  mkdirSync(drover, { recursive: true });
  execFileSync('tar', ['-xzf', join(scratch, packed), '-C', drover, '--strip-components=1']);
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name === 'drover' || name.startsWith('.')) continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'my-broker', type: 'module', private: true }));
  writeFileSync(
    join(scratch, 'my-broker.test.js'),
    [
      "import { runBrokerConformance } from 'drover/testing';",
      "import { createMemoryBroker } from 'drover/brokers/memory';",
      "runBrokerConformance({ name: 'packed memory', create: (options) => createMemoryBroker(options) });",
    ].join('\n'),
  );
  const run = spawnSync(
    process.execPath,
    [join(modules, 'vitest/vitest.mjs'), 'run', '--root', scratch, '--reporter', 'dot', '--no-color'],
    { cwd: scratch, encoding: 'utf8', env: { ...process.env, CI: '1' } },
  );
  const output = `${run.stdout}\n${run.stderr}`;
  expect(run.status, output).toBe(0);
  expect(output).toMatch(/Tests\s+\d+ passed/);
}, 120_000);
