/**
 * drover's worker protocol, version 1: the messages, their validation, the
 * handshake proofs and the limits. The server's gateway and the remote
 * worker meet only through this module. docs/protocol.md is its prose form.
 */
export { PROTOCOL_VERSION, WORKER_PATH, Limits, CloseCodes, WireErrorCodes } from './constants.js';
export type { WireErrorCode } from './constants.js';
export * as schemas from './messages.js';
export type {
  WireError,
  WireJobOptions,
  HelloMessage,
  AuthMessage,
  ProgressMessage,
  DoneMessage,
  FailMessage,
  ReleaseMessage,
  CreditMessage,
  PingMessage,
  TasksMessage,
  ChallengeMessage,
  WelcomeMessage,
  JobMessage,
  PongMessage,
  CancelMessage,
  ErrorMessage,
  ClientMessage,
  ServerMessage,
} from './messages.js';
export { parseClientFrame, parseServerFrame, serialize, frameBytes, nestingExceeds } from './frame.js';
export type { FrameProblem, FrameOk, ParsedFrame, RawFrame } from './frame.js';
export {
  NONCE_BYTES,
  PROOF_HEX_LENGTH,
  createNonce,
  createClientNonce,
  createSessionKey,
  createWorkerId,
  computeProof,
  workerProof,
  serverProof,
  verifyProof,
  safeEqual,
} from './proof.js';
export type { ProofRole } from './proof.js';
export { toWireError, fromWireError, boundErrorInfo } from './wire-error.js';
export { createFrameWriter } from './frame-writer.js';
export type { FrameWriter } from './frame-writer.js';
