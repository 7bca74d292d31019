import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isTaskDefinition } from '../core/task.js';
import type { TaskDefinition } from '../core/task.js';
import { CliError } from './cli-error.js';

/**
 * Loads a tasks module: `.ts`/`.mts`/`.cts` through tsx, anything else
 * with `import()`. Collects every export that is a task definition made
 * with `task()`, and the task definitions inside a default export that is
 * an array or a plain object of them.
 */
export async function loadTasks(path: string): Promise<TaskDefinition[]> {
  const file = resolve(path);
  if (!existsSync(file)) throw new CliError(`tasks module not found: ${path}`);
  const url = pathToFileURL(file).href;
  let module: Record<string, unknown>;
  try {
    if (/\.[cm]?tsx?$/.test(file)) {
      const { tsImport } = await import('tsx/esm/api');
      module = (await tsImport(url, import.meta.url)) as Record<string, unknown>;
    } else {
      module = (await import(url)) as Record<string, unknown>;
    }
  } catch (error) {
    throw new CliError(
      `cannot load tasks module ${path}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
  const found = new Map<string, TaskDefinition>();
  const add = (value: unknown): void => {
    if (!isTaskDefinition(value)) return;
    const existing = found.get(value.name);
    if (existing && existing.fn !== value.fn)
      throw new CliError(`tasks module ${path} defines task ${JSON.stringify(value.name)} twice`);
    found.set(value.name, value);
  };
  for (const [name, value] of Object.entries(module)) {
    add(value);
    if (name === 'default' && typeof value === 'object' && value !== null) {
      for (const item of Array.isArray(value) ? value : Object.values(value)) add(item);
    }
  }
  if (found.size === 0)
    throw new CliError(`tasks module ${path} exports no tasks: export definitions made with task('name', fn)`);
  return [...found.values()];
}
