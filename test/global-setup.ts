import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Integration tests spawn the built CLI: make sure dist/ is there and fresh. */
export default function setup(): void {
  if (process.env.DROVER_SKIP_BUILD === '1' && existsSync('dist/cli/main.js')) return;
  execFileSync('npx', ['tsup', '--silent'], { stdio: 'inherit' });
}
