import { Kvm } from '@nats-io/kv';
import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CursorTracker, kvCursorStore } from './cursor.ts';

// Resume values as a change stream gives them: opaque strings whose order the relay cannot
// see (no arithmetic, no comparison), only the order in which they were read.
const token = (i: number) => `{"_data":"8267${(0xfffffff - i * 7919).toString(16)}"}`;

describe('relay cursor - tracker over opaque resume values', () => {
  it('resumes after the record just before the oldest unfinished one; the starting point until the first finishes', () => {
    const t = new CursorTracker<string>('start-token');
    const [a, b, c, d] = ['ta', 'tb', 'tc', 'td'].map((r) => t.add(r)) as [number, number, number, number];
    expect(t.resume()).toBe('start-token');
    t.finish(c);
    t.finish(b);
    expect(t.resume()).toBe('start-token');
    expect(t.pending()).toBe(4);
    t.finish(a);
    expect(t.resume()).toBe('tc');
    expect(t.pending()).toBe(1);
    t.finish(d);
    expect(t.resume()).toBe('td');
    expect(t.pending()).toBe(0);
  });

  it('a fresh start (nothing saved) resumes from the start until a record finishes', () => {
    const t = new CursorTracker<string>(undefined);
    const a = t.add('ta');
    expect(t.resume()).toBeUndefined();
    t.finish(a);
    expect(t.resume()).toBe('ta');
  });

  it('property: for any order of finishing, the resume value is the token of the last record of the finished prefix', () => {
    const finishingOrders = fc
      .integer({ min: 1, max: 9_000 })
      .chain((n) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }));
    fc.assert(
      fc.property(finishingOrders, (order) => {
        const n = order.length;
        const t = new CursorTracker<string>(token(-1));
        const positions = Array.from({ length: n }, (_, i) => t.add(token(i)));
        const done = new Array<boolean>(n).fill(false);
        let prefix = 0;
        for (const i of order) {
          t.finish(positions[i]!);
          done[i] = true;
          while (prefix < n && done[prefix]) prefix++;
          expect(t.resume()).toBe(token(prefix - 1));
          // Read-ahead counts from the oldest unfinished record (what the worker caps).
          expect(t.pending()).toBe(n - prefix);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('relay cursor - KV store', () => {
  const nats = useNats(() => startServer());

  it('saves and loads a stream sequence and a resume token as they were; anything else loads as none', async () => {
    const nc = await nats().connect();
    const kv = await new Kvm(nc).create('cursor_test', { history: 1 });
    const store = kvCursorStore(kv);
    expect(await store.load('crm', 0)).toBeUndefined();
    await store.save('crm', 0, 4_821);
    await store.save('crm', 1, token(3));
    expect(await store.load('crm', 0)).toBe(4_821);
    expect(await store.load('crm', 1)).toBe(token(3));
    for (const garbage of ['not json', '{"a":1}', '-3', '1.5']) {
      await kv.put('cursor.crm.2', garbage);
      expect(await store.load('crm', 2)).toBeUndefined();
    }
    await nc.close();
  });
});
