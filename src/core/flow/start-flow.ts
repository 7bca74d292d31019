import type { Broker } from '../contract/index.js';
import type { Codec } from '../codec.js';
import { assertEncodable } from '../codec.js';
import { ConfigError, UnknownTaskError } from '../errors.js';
import type { IdMaker } from '../id.js';
import { Job } from '../job.js';
import type { JobSource } from '../job.js';
import { assertPayloadArgs } from '../payload-rules.js';
import type { TaskDefinition } from '../task.js';
import type { Flow } from './flow.js';
import { compileFlow } from './flow-graph.js';
import { flowToSpec } from './flow-spec.js';

/** What starting a flow needs from the app. */
export interface FlowCaller extends JobSource {
  readonly codec: Codec;
}

/**
 * Starts a flow on the app's broker: compiles it (checking every step's
 * task and arguments as `call` does) and hands it to `startFlow` in one
 * broker operation. Resolves to the flow's job. Without `tasks` (the
 * server), steps may name tasks this process does not know, as on `POST /v1/jobs`.
 */
export async function startFlow(
  app: FlowCaller,
  ids: IdMaker,
  tasks: ReadonlyMap<string, TaskDefinition> | undefined,
  flow: Flow,
): Promise<Job> {
  const broker: Broker = app.connectedBroker ?? (await app.broker());
  if (broker.startFlow === undefined)
    throw new ConfigError(`The ${broker.name} broker does not run flows yet (docs/flows.md lists those that do)`);
  const request = compileFlow(
    ids(),
    flow,
    (sig, step) => {
      if (tasks && !broker.capabilities.shared && !tasks.has(sig.task.name)) throw new UnknownTaskError(sig.task.name);
      assertPayloadArgs(step.args, `Arguments of ${step.task}`);
      assertEncodable(app.codec, step.args, `Arguments of ${step.task}`);
    },
    () => flowToSpec(flow.node),
  );
  const receipt = await broker.startFlow(request);
  return new Job(receipt.id, request.kind, app, receipt.hint);
}
