import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseParser } from '../../../src/dashboard/client/sse-parser.js';

describe('SseParser (the dashboard reads event streams with fetch)', () => {
  it('parses events with ids, names, multi-line data and comments', () => {
    const p = new SseParser();
    const out = p.push('retry: 2000\n\n: keep-alive\n\nevent: hello\nid: ab.1\ndata: {"a":1}\n\ndata: x\ndata:y\n\n');
    expect(out).toEqual([
      { event: 'hello', id: 'ab.1', data: '{"a":1}' },
      { event: 'message', id: undefined, data: 'x\ny' },
    ]);
  });

  it('CR, LF and CRLF line ends, split anywhere between chunks, give the same events', () => {
    const events = [
      { event: 'reports', data: '{"n":1}' },
      { event: 'rate', data: '{"ok":2}' },
    ];
    fc.assert(
      fc.property(fc.constantFrom('\n', '\r', '\r\n'), fc.array(fc.nat(60), { maxLength: 6 }), (eol, cuts) => {
        const text = events.map((e) => `event: ${e.event}${eol}data: ${e.data}${eol}${eol}`).join('');
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const p = new SseParser();
        const out = [];
        let from = 0;
        for (const at of [...points, text.length]) {
          out.push(...p.push(text.slice(from, at)));
          from = at;
        }
        expect(out.map((m) => ({ event: m.event, data: m.data }))).toEqual(events);
      }),
    );
  });

  it('an event without data is not dispatched; an unfinished one waits for its blank line', () => {
    const p = new SseParser();
    expect(p.push('event: x\n\nevent: y\ndata: 1\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{ event: 'y', id: undefined, data: '1' }]);
  });
});
