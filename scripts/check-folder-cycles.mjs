#!/usr/bin/env node
/**
 * Fails when the top-level folders of src/ import each other in a cycle
 * (docs/architecture.md, "Layers"). Reads every .ts file under src/, takes
 * its relative imports and exports (type-only ones too: a type cycle is
 * still a cycle of meaning), maps both ends to their top-level folder, and
 * looks for cycles in that folder graph. Prints the edges of each cycle with
 * one file that makes each edge, then exits 1.
 *
 *   node scripts/check-folder-cycles.mjs [srcDir]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(process.argv[2] ?? 'src');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** `core` for src/core/x.ts; `.` for src/index.ts. */
function folderOf(path) {
  const rel = relative(root, path).split(sep);
  return rel.length === 1 ? '.' : rel[0];
}

const edges = new Map(); // from -> Map(to -> example file)
for (const file of files(root)) {
  const from = folderOf(file);
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2];
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(root)) continue;
    const to = folderOf(target);
    if (to === from || from === '.' || to === '.') continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from).has(to)) edges.get(from).set(to, relative(root, file));
  }
}

// Strongly connected components (Tarjan): any with more than one folder is a cycle.
let index = 0;
const stack = [];
const state = new Map();
const cycles = [];
function visit(v) {
  state.set(v, { index, low: index, on: true });
  index++;
  stack.push(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!state.has(w)) {
      visit(w);
      state.get(v).low = Math.min(state.get(v).low, state.get(w).low);
    } else if (state.get(w).on) state.get(v).low = Math.min(state.get(v).low, state.get(w).index);
  }
  if (state.get(v).low === state.get(v).index) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      state.get(w).on = false;
      component.push(w);
    } while (w !== v);
    if (component.length > 1) cycles.push(component);
  }
}
for (const v of edges.keys()) if (!state.has(v)) visit(v);

if (cycles.length === 0) {
  console.log(`folder cycles: none among ${[...edges.keys()].length} folders of ${relative(process.cwd(), root) || '.'}`);
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
