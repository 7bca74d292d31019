/**
 * AckWindow (src/brokers/amqp/ack-window.ts): a turn's acks go as one
 * multiple ack over the settled run from the lowest unsettled tag, the rest
 * one by one; nothing is settled twice; a requeue sends the pending acks first.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { AckWindow } from '../../../src/brokers/amqp/ack-window.js';

function fakeChannel(): { channel: Channel; sent: string[] } {
  const sent: string[] = [];
  const channel = {
    ack: (msg: ConsumeMessage, all?: boolean) => sent.push(`ack ${msg.fields.deliveryTag}${all ? ' all' : ''}`),
    nack: (msg: ConsumeMessage) => sent.push(`requeue ${msg.fields.deliveryTag}`),
  } as unknown as Channel;
  return { channel, sent };
}

const msg = (tag: number): ConsumeMessage => ({ fields: { deliveryTag: tag } }) as ConsumeMessage;

describe('AckWindow', () => {
  it('acks of one turn from the lowest tag go as one multiple ack', () => {
    const { channel, sent } = fakeChannel();
    const w = new AckWindow(channel);
    for (const tag of [2, 1, 3]) w.ack(msg(tag));
    expect(sent).toEqual([]);
    w.flush();
    expect(sent).toEqual(['ack 3 all']);
  });

  it('acks above a tag still held go one by one; the run is acked once the hole fills', () => {
    const { channel, sent } = fakeChannel();
    const w = new AckWindow(channel);
    w.ack(msg(1));
    w.ack(msg(3));
    w.ack(msg(4));
    w.flush();
    expect(sent).toEqual(['ack 3', 'ack 4', 'ack 1 all']);
    sent.length = 0;
    w.ack(msg(2));
    w.ack(msg(6));
    w.flush();
    // 2 closes the hole: every outstanding tag up to 2 is 2 itself; 6 is above 5, still held.
    expect(sent).toEqual(['ack 6', 'ack 2 all']);
  });

  it('never settles a tag twice; a requeue sends the pending acks first and settles its tag', () => {
    const { channel, sent } = fakeChannel();
    const w = new AckWindow(channel);
    w.ack(msg(1));
    w.ack(msg(1));
    w.requeue(msg(2));
    w.requeue(msg(2));
    w.ack(msg(2));
    w.ack(msg(3));
    w.flush();
    expect(sent).toEqual(['ack 1 all', 'requeue 2', 'ack 3 all']);
  });

  it('sends within the turn by itself, and nothing after close()', async () => {
    const { channel, sent } = fakeChannel();
    const w = new AckWindow(channel);
    w.ack(msg(1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual(['ack 1 all']);
    w.ack(msg(2));
    w.close();
    w.ack(msg(3));
    w.flush();
    expect(sent).toEqual(['ack 1 all', 'ack 2 all']);
  });
});
