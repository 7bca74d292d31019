import { describe, expect, it } from 'vitest';
import {
  Limits,
  WireErrorCodes,
  boundErrorInfo,
  nestingExceeds,
  parseClientFrame,
  parseServerFrame,
} from '../../../src/protocol/index.js';

const parse = (text: string | Buffer, binary = false, max: number = Limits.FRAME) =>
  parseClientFrame(text, binary, max);

describe('parseClientFrame()', () => {
  it('accepts each client message', () => {
    for (const frame of [
      { type: 'hello', protocol: 1, name: 'w', tasks: ['a'], concurrency: 2 },
      { type: 'auth', workerId: 'w-1', clientNonce: 'n', proof: 'p' },
      { type: 'done', id: 'j', lease: 'l', result: { ok: [1, 2] } },
      { type: 'done', id: 'j', lease: 'l' },
      { type: 'fail', id: 'j', lease: 'l', error: { name: 'E', message: 'm' }, retry: true, delayMs: 5 },
      { type: 'release', id: 'j', lease: 'l' },
      { type: 'progress', id: 'j', lease: 'l', value: 0.5 },
      { type: 'credit', concurrency: 0 },
      { type: 'ping' },
    ]) {
      expect(parse(JSON.stringify(frame))).toMatchObject({ ok: true, message: frame });
    }
  });

  it('refuses what is not a message, with the code to answer', () => {
    const cases: [string | Buffer, string, boolean?][] = [
      [Buffer.from([1, 2, 3]), WireErrorCodes.BAD_FRAME, true],
      ['{', WireErrorCodes.BAD_FRAME],
      ['[]', WireErrorCodes.BAD_FRAME],
      ['{"type":5}', WireErrorCodes.BAD_FRAME],
      ['{"type":"jobz"}', WireErrorCodes.UNKNOWN_TYPE],
      ['{"type":"__proto__"}', WireErrorCodes.UNKNOWN_TYPE],
      ['{"type":"toString"}', WireErrorCodes.UNKNOWN_TYPE],
      ['{"type":"job"}', WireErrorCodes.UNKNOWN_TYPE],
      ['{"type":"credit","concurrency":-1}', WireErrorCodes.BAD_FRAME],
      ['{"type":"credit","concurrency":1e400}', WireErrorCodes.BAD_FRAME],
      ['{"type":"done","id":"j","lease":"l","result":{"__proto__":{"x":1}}}', WireErrorCodes.BAD_FRAME],
      ['{"type":"done","id":"j","lease":"l","result":{"constructor":{"prototype":{}}}}', WireErrorCodes.BAD_FRAME],
      ['{"type":"done","id":"j","lease":"l","result":9007199254740993}', WireErrorCodes.BAD_FRAME],
      ['{"type":"done","id":"j","lease":"l","result":[-9007199254740992]}', WireErrorCodes.BAD_FRAME],
      [`{"type":"done","id":"j","lease":"l","result":${'['.repeat(70)}${']'.repeat(70)}}`, WireErrorCodes.BAD_FRAME],
      ['{"type":"hello","protocol":1,"name":"a\\u0000b","tasks":["x"],"concurrency":1}', WireErrorCodes.BAD_FRAME],
    ];
    for (const [data, code, binary] of cases)
      expect(parse(data, binary === true), String(data)).toMatchObject({ ok: false, code });
  });

  it('accepts a plain "constructor" key and the largest safe integers as data (docs/protocol.md §1)', () => {
    const frame =
      '{"type":"done","id":"j","lease":"l","result":{"constructor":"x","n":9007199254740991,"m":-9007199254740991}}';
    expect(parse(frame)).toMatchObject({ ok: true });
  });

  it('refuses a frame over the limit before parsing it', () => {
    expect(parse(`"${'x'.repeat(100)}"`, false, 50)).toMatchObject({ ok: false, code: WireErrorCodes.TOO_LARGE });
  });

  it('names the job of a bad outcome frame, so it can be settled', () => {
    expect(parse('{"type":"done","id":"j1","lease":"l1","result":{"__proto__":1}}')).toMatchObject({
      ok: false,
      type: 'done',
      id: 'j1',
      lease: 'l1',
    });
  });

  it('nestingExceeds() ignores brackets inside strings', () => {
    expect(nestingExceeds(`["${'['.repeat(100)}"]`, 2)).toBe(false);
    expect(nestingExceeds('[[["\\"["]]]', 3)).toBe(false);
    expect(nestingExceeds('[[[[1]]]]', 3)).toBe(true);
  });
});

describe('parseServerFrame()', () => {
  it('accepts a job frame and refuses a client frame', () => {
    const job = {
      type: 'job',
      id: 'j',
      lease: 'l',
      task: 't',
      queue: 't',
      args: [1],
      attempt: 1,
      deadline: null,
      options: { retries: 3, backoff: { type: 'fixed', delay: 1, max: 1 } },
    };
    expect(parseServerFrame(JSON.stringify(job), false)).toMatchObject({ ok: true, message: job });
    expect(parseServerFrame('{"type":"done","id":"j","lease":"l"}', false)).toMatchObject({
      ok: false,
      code: WireErrorCodes.UNKNOWN_TYPE,
    });
  });
});

describe('boundErrorInfo()', () => {
  it('truncates long messages and stacks to the protocol limits', () => {
    const info = boundErrorInfo({
      name: 'E',
      message: 'm'.repeat(Limits.ERROR_MESSAGE * 2),
      stack: 's'.repeat(Limits.ERROR_STACK * 2),
    });
    expect(info.message.length).toBe(Limits.ERROR_MESSAGE);
    expect(info.stack!.length).toBe(Limits.ERROR_STACK);
  });
});
