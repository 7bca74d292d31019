import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A built dashboard file, ready to send. */
export interface DashboardAsset {
  body: Buffer;
  type: string;
  /** A strong ETag of the body. */
  etag: string;
}

/** The files `tsup` builds into `dist/dashboard/` (src/dashboard/client), and their types. */
const BUILT = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
} as const;

/** The name of one built file. */
export type BuiltAssetName = keyof typeof BUILT;

const cache = new Map<BuiltAssetName, DashboardAsset>();

/**
 * Reads a built dashboard file from `dist/dashboard/` of this package (read
 * once, then kept: the set of files is fixed). Found from wherever this code
 * runs — `dist/` chunks, `src/` under tsx, or an installed package — by
 * walking up to drover's own package.json. Undefined when the files were
 * not built (running from a checkout before `npm run build`).
 */
export function readDashboardAsset(name: BuiltAssetName): DashboardAsset | undefined {
  const cached = cache.get(name);
  if (cached) return cached;
  const root = packageRoot();
  const path = root === undefined ? undefined : join(root, 'dist', 'dashboard', name);
  if (path === undefined || !existsSync(path)) return undefined;
  const body = readFileSync(path);
  const asset = {
    body,
    type: BUILT[name],
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
  };
  cache.set(name, asset);
  return asset;
}

/** True for the names {@link readDashboardAsset} serves. */
export function isBuiltAssetName(name: string): name is BuiltAssetName {
  return Object.hasOwn(BUILT, name);
}

let root: string | null | undefined;

function packageRoot(): string | undefined {
  if (root !== undefined) return root ?? undefined;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'drover') return (root = dir);
      } catch {
        // not readable: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      root = null;
      return undefined;
    }
    dir = parent;
  }
}
