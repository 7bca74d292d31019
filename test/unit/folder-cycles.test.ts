import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '../../scripts/check-folder-cycles.ts');
const TSX = ['--import', 'tsx', SCRIPT];
const dirs: string[] = [];

/** A scratch src/ tree: folder → file → its imports. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'drover-cycles-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('scripts/check-folder-cycles.ts', () => {
  it('passes on the repository’s own src/', () => {
    expect(execFileSync(process.execPath, [...TSX, resolve(import.meta.dirname, '../../src')]).toString()).toMatch(
      /folder cycles: none/,
    );
  });

  it('fails on a new cycle between top-level folders, type-only imports included, naming a file per edge', () => {
    const root = tree({
      'core/app.ts': "import type { Herd } from '../herd/herd.js';\nexport const a = 1;\n",
      'herd/herd.ts': "import { a } from '../core/app.js';\nexport class Herd {}\n",
      'metrics/m.ts': "import { a } from '../core/app.js';\n",
    });
    const run = spawnSync(process.execPath, [...TSX, root], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('folder cycle: core <-> herd');
    expect(run.stderr).toContain('core -> herd  (e.g. src/core/app.ts)');
    expect(run.stderr).not.toContain('metrics');
  });
});
