import * as m0001 from './0001-init.js';
import * as m0002 from './0002-queue-settings.js';
import * as m0003 from './0003-flow-control.js';
import * as m0004 from './0004-schedules.js';
import * as m0005 from './0005-flows.js';
import * as m0006 from './0006-workers.js';
import * as m0007 from './0007-job-logs.js';

/** One numbered schema change. Never edit a released one: add the next number. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Every migration, in order. The SQL lives in `.ts` modules (not `.sql`
 * files) so it loads the same from `src/` under tsx and from the bundled `dist/`.
 */
export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007];
