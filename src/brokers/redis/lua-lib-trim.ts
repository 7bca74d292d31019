/** One top-level statement of a Lua lib: the names it defines (none: always kept) and its text. */
interface Definition {
  names: string[];
  text: string;
}

const TOP_LEVEL_LOCAL = /^local (?:function )?([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)/;
/** `name = function ...`: the body of a name declared earlier (`local name`). */
const TOP_LEVEL_ASSIGNMENT = /^([A-Za-z_]\w*)\s*=[^=]/;
/** Lines that go on the statement before them: indented, blank, `end`, comments. */
const CONTINUATION = /^(?:\s|$|end\b|--|\]\])/;
const IDENTIFIER = /[A-Za-z_]\w*/g;

/**
 * The part of a shared Lua lib that one script uses: the lib's top-level
 * `local`s (functions and values) the script names, and those they name, in
 * the lib's order; whatever precedes the first `local` (its header) is kept.
 * Redis runs the whole script body on every call, so each `local function`
 * the script never calls costs a closure per call for nothing. The scan is by
 * name (comments and strings included): it may keep too much, never too
 * little. A top-level `name = ...` (the body of a forward-declared local)
 * goes with `name`; any other top-level statement is always kept.
 */
export function trimLib(lib: string, script: string): string {
  const { header, definitions } = split(lib);
  const byName = new Map<string, Definition[]>();
  for (const def of definitions) for (const name of def.names) byName.set(name, [...(byName.get(name) ?? []), def]);
  const kept = new Set<Definition>();
  const keep = (def: Definition): void => {
    if (kept.has(def)) return;
    kept.add(def);
    visit(def.text);
  };
  const visit = (text: string): void => {
    for (const word of new Set(text.match(IDENTIFIER))) for (const def of byName.get(word) ?? []) keep(def);
  };
  visit(script);
  for (const def of definitions) if (def.names.length === 0) keep(def);
  return (
    header +
    definitions
      .filter((def) => kept.has(def))
      .map((def) => def.text)
      .join('')
  );
}

function split(lib: string): { header: string; definitions: Definition[] } {
  const lines = lib.split(/(?<=\n)/);
  let header = '';
  const definitions: Definition[] = [];
  for (const line of lines) {
    const local = TOP_LEVEL_LOCAL.exec(line);
    const assigned = local ? undefined : TOP_LEVEL_ASSIGNMENT.exec(line);
    if (local) definitions.push({ names: local[1]!.split(/\s*,\s*/), text: line });
    else if (assigned) definitions.push({ names: [assigned[1]!], text: line });
    else if (definitions.length === 0) header += line;
    else if (CONTINUATION.test(line)) definitions[definitions.length - 1]!.text += line;
    else definitions.push({ names: [], text: line });
  }
  return { header, definitions };
}
