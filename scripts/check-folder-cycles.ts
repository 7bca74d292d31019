#!/usr/bin/env node
/**
 * Fails when the top-level folders of src/ import each other in a cycle
 * (docs/architecture.md, "Layers"). Reads every .ts file under src/, takes
 * its relative imports and exports (type-only ones too: a type cycle is
 * still a cycle of meaning), maps both ends to their top-level folder, and
 * looks for cycles in that folder graph. Prints the edges of each cycle with
 * one file that makes each edge, then exits 1.
 *
 *   tsx scripts/check-folder-cycles.ts [srcDir]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(process.argv[2] ?? 'src');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** `core` for src/core/x.ts; `.` for src/index.ts. */
function folderOf(path: string): string {
  const rel = relative(root, path).split(sep);
  return rel.length === 1 ? '.' : rel[0]!;
}

/** from → (to → a file that makes the edge). */
const edges = new Map<string, Map<string, string>>();
for (const file of files(root)) {
  const from = folderOf(file);
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2];
    if (spec === undefined) continue;
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(root)) continue;
    const to = folderOf(target);
    if (to === from || from === '.' || to === '.') continue;
    const out = edges.get(from) ?? new Map<string, string>();
    edges.set(from, out);
    if (!out.has(to)) out.set(to, relative(root, file));
  }
}

// Strongly connected components (Tarjan): any with more than one folder is a cycle.
let index = 0;
const stack: string[] = [];
const state = new Map<string, { index: number; low: number; on: boolean }>();
const cycles: string[][] = [];
function visit(v: string): void {
  const sv = { index, low: index, on: true };
  state.set(v, sv);
  index++;
  stack.push(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    const sw = state.get(w);
    if (!sw) {
      visit(w);
      sv.low = Math.min(sv.low, state.get(w)!.low);
    } else if (sw.on) sv.low = Math.min(sv.low, sw.index);
  }
  if (sv.low === sv.index) {
    const component: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop()!;
      state.get(w)!.on = false;
      component.push(w);
    } while (w !== v);
    if (component.length > 1) cycles.push(component);
  }
}
for (const v of edges.keys()) if (!state.has(v)) visit(v);

if (cycles.length === 0) {
  console.log(
    `folder cycles: none among ${[...edges.keys()].length} folders of ${relative(process.cwd(), root) || '.'}`,
  );
  process.exit(0);
}
for (const component of cycles) {
  const members = new Set(component);
  console.error(`folder cycle: ${component.sort().join(' <-> ')}`);
  for (const from of component)
    for (const [to, file] of edges.get(from) ?? [])
      if (members.has(to)) console.error(`  ${from} -> ${to}  (e.g. src/${file})`);
}
process.exit(1);
