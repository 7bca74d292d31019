import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis } from 'ioredis';
import { trimLib } from './lua-lib-trim.js';

/** The broker's Lua scripts (each a `.lua` asset in `lua/`, opening with its KEYS/ARGV header). */
export const SCRIPT_NAMES = [
  'enqueue',
  'lease',
  'finish',
  'finlease',
  'extend',
  'release',
  'progress',
  'cancel',
  'rerun',
  'watch',
  'sweep',
  'qset',
  'sched',
  'sfire',
  'limit',
  'limits',
  'purge',
  'workers',
  'logs',
  'flow',
] as const;

/** One of {@link SCRIPT_NAMES}. */
export type ScriptName = (typeof SCRIPT_NAMES)[number];

interface Script {
  source: string;
  sha: string;
}

/**
 * A folder of Lua scripts: a shared lib (`lib.lua`, then any `lib-*.lua` by
 * name) prepended to each named script (Redis Lua has no modules), trimmed
 * to what the script uses ({@link trimLib}: Redis runs the lib's
 * definitions on every call). The folder is looked up once, on first use: next to the module that owns it in the sources (`./lua/`), and in the
 * build under `dist/<home>` (tsup's onSuccess copies it there) — the bundle
 * may put the owning module in a shared chunk at `dist/`, so every folder
 * up to three levels above the module is tried.
 */
export class ScriptSet<N extends string> {
  readonly #owner: string;
  readonly #moduleUrl: string;
  readonly #home: string;
  readonly #names: readonly N[];
  #loaded: Map<N, Script> | undefined;

  /**
   * @param owner who the scripts belong to, for the error when they are missing
   * @param moduleUrl `import.meta.url` of the module next to the `lua/` folder
   * @param home the folder's path under `src/` and `dist/`, e.g. `brokers/redis/lua/`
   */
  constructor(owner: string, moduleUrl: string, home: string, names: readonly N[]) {
    this.#owner = owner;
    this.#moduleUrl = moduleUrl;
    this.#home = home;
    this.#names = names;
  }

  /** Reads the folder (once); throws when it is missing. */
  load(): void {
    this.#loaded ??= this.#read();
  }

  /** A script's source (the part of the lib it uses first) and SHA1. */
  get(name: N): Script {
    this.#loaded ??= this.#read();
    return this.#loaded.get(name)!;
  }

  #read(): Map<N, Script> {
    const dir = this.#dir();
    const parts = readdirSync(dir)
      .filter((file) => /^lib-.+\.lua$/.test(file))
      .sort();
    const lib = ['lib.lua', ...parts].map((file) => readFileSync(`${dir}${file}`, 'utf8')).join('\n');
    const loaded = new Map<N, Script>();
    for (const name of this.#names) {
      const script = readFileSync(`${dir}${name}.lua`, 'utf8');
      const source = `${trimLib(lib, script)}\n${script}`;
      loaded.set(name, { source, sha: createHash('sha1').update(source).digest('hex') });
    }
    return loaded;
  }

  #dir(): string {
    const candidates = ['./lua/', ...['./', '../', '../../', '../../../'].map((up) => `${up}${this.#home}`)];
    for (const candidate of candidates) {
      const dir = fileURLToPath(new URL(candidate, this.#moduleUrl));
      if (existsSync(`${dir}lib.lua`)) return dir;
    }
    throw new Error(`${this.#owner}: its Lua scripts are missing (looked next to ${this.#moduleUrl})`);
  }
}

/** The Redis broker's scripts. */
export const BROKER_SCRIPTS = new ScriptSet('drover redis broker', import.meta.url, 'brokers/redis/lua/', SCRIPT_NAMES);

/** A reply of one of our scripts: nested arrays of strings and integers, or null. */
export type ScriptReply = null | number | string | ScriptReply[];

/**
 * Runs a set of scripts by SHA (EVALSHA). A script's first call from this
 * runner is an EVAL (which loads it), so commands stay in the order they
 * were issued: an EVALSHA answered NOSCRIPT and sent again as EVAL would run
 * after the commands issued behind it (a progress report after the job's
 * outcome). NOSCRIPT after that (a restart, a SCRIPT FLUSH, another Cluster
 * node) still falls back to EVAL. Every script takes one key, the prefix's
 * routing key, so a Cluster sends it to the prefix's slot.
 */
export class ScriptRunner<N extends string> {
  readonly #client: Redis | Cluster;
  readonly #routingKey: string;
  readonly #prefix: string;
  readonly #set: ScriptSet<N>;
  /** Scripts this runner has sent in full at least once. */
  readonly #sent = new Set<N>();

  constructor(client: Redis | Cluster, keyPrefix: string, set: ScriptSet<N>) {
    this.#client = client;
    this.#prefix = keyPrefix;
    this.#routingKey = `${keyPrefix}m`;
    this.#set = set;
    set.load();
  }

  /** Runs a script with `ARGV[1]` = the key prefix and the given further arguments. */
  run(name: N, args: readonly (string | number)[]): Promise<ScriptReply> {
    const script = this.#set.get(name);
    const client = this.#client;
    if (!this.#sent.has(name)) {
      this.#sent.add(name);
      return client.eval(script.source, 1, this.#routingKey, this.#prefix, ...args) as Promise<ScriptReply>;
    }
    return (client.evalsha(script.sha, 1, this.#routingKey, this.#prefix, ...args) as Promise<ScriptReply>).catch(
      (error: unknown) => {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return client.eval(script.source, 1, this.#routingKey, this.#prefix, ...args) as Promise<ScriptReply>;
      },
    );
  }
}
