/**
 * Migration 0005: flows (chain, group, chord; contract/flows.ts).
 *
 * drover_jobs.flow_id     on a step: the flow job it belongs to
 * drover_jobs.flow_step   on a step: its index in the flow's graph
 * drover_jobs.flow_graph  on a flow job: its graph (codec-encoded), written
 *                         in the transaction of every step's outcome
 */
export const version = 5;
export const name = 'flows';
export const sql = /* sql */ `
ALTER TABLE drover_jobs ADD COLUMN flow_id TEXT;
ALTER TABLE drover_jobs ADD COLUMN flow_step INTEGER;
ALTER TABLE drover_jobs ADD COLUMN flow_graph BLOB;
`;
