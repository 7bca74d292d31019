import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis } from 'ioredis';

/** The broker's Lua scripts (each a `.lua` asset in `lua/`, opening with its KEYS/ARGV header). */
export const SCRIPT_NAMES = [
  'enqueue',
  'lease',
  'finish',
  'extend',
  'release',
  'progress',
  'cancel',
  'rerun',
  'watch',
  'sweep',
  'qset',
  'limit',
  'limits',
  'purge',
  'workers',
  'logs',
] as const;

/** One of {@link SCRIPT_NAMES}. */
export type ScriptName = (typeof SCRIPT_NAMES)[number];

interface Script {
  source: string;
  sha: string;
}

/**
 * Where the `.lua` files are: next to this module in the sources
 * (`src/brokers/redis/lua`), and in the build, copied to
 * `dist/brokers/redis/lua` (by tsup's onSuccess) — the bundle may put this
 * module in a shared chunk at `dist/`, so both places are tried.
 */
function luaDir(): string {
  const candidates = ['./lua/', './brokers/redis/lua/', '../brokers/redis/lua/', '../../brokers/redis/lua/'];
  for (const candidate of candidates) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(`${dir}lib.lua`)) return dir;
  }
  throw new Error(`drover redis broker: its Lua scripts are missing (looked next to ${import.meta.url})`);
}

let loaded: Map<ScriptName, Script> | undefined;

/** Reads the scripts once per process: the shared `lib.lua` then the script's own body. */
function scripts(): Map<ScriptName, Script> {
  if (loaded) return loaded;
  const dir = luaDir();
  const lib = readFileSync(`${dir}lib.lua`, 'utf8');
  loaded = new Map();
  for (const name of SCRIPT_NAMES) {
    const source = `${lib}\n${readFileSync(`${dir}${name}.lua`, 'utf8')}`;
    loaded.set(name, { source, sha: createHash('sha1').update(source).digest('hex') });
  }
  return loaded;
}

/** A reply of one of our scripts: nested arrays of strings and integers, or null. */
export type ScriptReply = null | number | string | ScriptReply[];

/**
 * Runs the broker's scripts by SHA (EVALSHA), loading a script with EVAL the
 * first time a server has not seen it (NOSCRIPT: a new server, a restart, a
 * SCRIPT FLUSH, another Cluster node). Every script takes one key, the
 * prefix's routing key, so a Cluster sends it to the prefix's slot.
 */
export class ScriptRunner {
  readonly #client: Redis | Cluster;
  readonly #routingKey: string;
  readonly #prefix: string;

  constructor(client: Redis | Cluster, keyPrefix: string) {
    this.#client = client;
    this.#prefix = keyPrefix;
    this.#routingKey = `${keyPrefix}m`;
    scripts();
  }

  /** Runs a script with `ARGV[1]` = the key prefix and the given further arguments. */
  run(name: ScriptName, args: readonly (string | number)[]): Promise<ScriptReply> {
    const script = scripts().get(name)!;
    const client = this.#client;
    return (client.evalsha(script.sha, 1, this.#routingKey, this.#prefix, ...args) as Promise<ScriptReply>).catch(
      (error: unknown) => {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return client.eval(script.source, 1, this.#routingKey, this.#prefix, ...args) as Promise<ScriptReply>;
      },
    );
  }
}
