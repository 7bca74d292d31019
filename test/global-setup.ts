import { execFileSync } from 'node:child_process';

/** Integration tests spawn the built CLI: make sure dist/ is there and fresh. */
export default function setup(): void {
  if (process.env.DROVER_SKIP_BUILD === '1') return;
  execFileSync('npx', ['tsup', '--silent'], { stdio: 'inherit' });
}
