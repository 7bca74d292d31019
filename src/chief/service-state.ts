/**
 * The states of a service supervised by a {@link Chief}, and the moves
 * between them (docs/architecture.md, "Chief").
 *
 * ```
 *  add() ──► present ─┬─ start(), or enable(it) ───────────► enabled
 *                     └─ enable(other names), or disable(it) ► disabled
 *  disabled ── enable(it) ──► enabled ── disable(it) ──► disabled      (before start only)
 *
 *  enabled ───── init() resolved (at once without init) ──► initialized
 *  initialized ─ run() called ──────────────────────────► running
 *  initialized ─ the stop arrived while init() ran ──────► stopped
 *  running ───── run() settled (returned, or ended after the stop) ► stopped
 *  running ───── crashed, restartOnFail, under the limit ► enabled  (waits its backoff,
 *                                                                   then init() again)
 *  enabled ───── stopped before init, or during a backoff wait ───► stopped
 *  enabled | running ── crashed for good, or abandoned ───────────► failed
 * ```
 *
 * "Crashed" means `init()` or `run()` threw or rejected before the stop.
 * "For good": without `restartOnFail`, or the `maxCrashes`-th crash within
 * `crashWindow`. "Abandoned": still not settled `forceStopTimeout` after the
 * stop, or when the stop is forced (second signal).
 *
 * `disabled` and `present` only change before `start()`. `stopped` and
 * `failed` are terminal: a Chief runs once.
 *
 * @module
 */

/** Every state a service can be in, in lifecycle order. */
export const SERVICE_STATES = [
  'disabled',
  'present',
  'enabled',
  'initialized',
  'running',
  'stopped',
  'failed',
] as const;

/** One of {@link SERVICE_STATES}. */
export type ServiceState = (typeof SERVICE_STATES)[number];

/** Payload of the Chief's `state` event: one service moved `from` → `to`. */
export interface StateChange {
  /** The service's name. */
  readonly name: string;
  /** The state it left. */
  readonly from: ServiceState;
  /** The state it entered. */
  readonly to: ServiceState;
}

/**
 * The legal moves, as drawn above. The Chief checks every move against this
 * table (an illegal one is a drover bug and is logged); tests use it as the
 * oracle.
 */
export const STATE_TRANSITIONS: Readonly<Record<ServiceState, readonly ServiceState[]>> = Object.freeze({
  present: ['enabled', 'disabled'],
  disabled: ['enabled'],
  enabled: ['disabled', 'initialized', 'stopped', 'failed'],
  initialized: ['running', 'stopped'],
  running: ['enabled', 'stopped', 'failed'],
  stopped: [],
  failed: [],
});

/** True if a service may move from `from` to `to`. */
export function canTransition(from: ServiceState, to: ServiceState): boolean {
  return STATE_TRANSITIONS[from].includes(to);
}

/** True for the states a service never leaves. */
export function isTerminal(state: ServiceState): boolean {
  return state === 'stopped' || state === 'failed';
}
