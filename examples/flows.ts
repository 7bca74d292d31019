/**
 * dingo's "murmur" as a chord: ten workers each speak a line a few times
 * and count the words they said; a callback adds the counts up once all
 * ten are done. Then a chain that feeds each result into the next step.
 *
 *   npx tsx examples/flows.ts
 */
import { Drover, chain, chord } from '../src/index.js';

const app = new Drover();
const murmur = app.task('murmur', async (msg: string, repeat: number, intervalMs: number) => {
  for (let i = 0; i < repeat; i++) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    console.log(msg);
  }
  return msg.split(' ').length * repeat;
});
const total = app.task('total', (counts: number[]) => counts.reduce((a, b) => a + b, 0));
const double = app.task('double', (n: number) => n * 2);
const describe = app.task('describe', (n: number, unit: string) => `${n} ${unit}`);
app.worker({ concurrency: 5 });

const speakers = Array.from({ length: 10 }, (_, i) => murmur.sig(`this is ${i} speaking`, 3, 20));
const words = await app.call(chord(speakers, total.sig()));
console.log(`the chord ${words.id} counted ${await words.result()} words`);

const report = await app.call(chain(total.sig([1, 2, 3]), double.sig(), describe.sig('words')));
console.log(`the chain says: ${await report.result()}`); // "12 words"
await app.close();
