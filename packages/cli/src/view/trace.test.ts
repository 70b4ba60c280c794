import type { EventLogEntry } from '@wamesh/core';
import { describe, expect, it } from 'vitest';
import { plain } from './style.ts';
import { formatTrace, traceReport } from './trace.ts';

const base = { kind: 'status' as const, key: 'wamid.A', wamid: 'wamid.A', userKey: '15550001', ids: ['15550001'], phoneNumberId: '1065' };
const read: EventLogEntry = {
  ...base,
  eventId: 'status-read0000000001',
  status: 'read',
  timestamp: 1_700_000_010,
  region: 'us-east',
  receivedAt: 1_700_000_011_000,
  appliedAt: 1_700_000_011_050,
  outcome: 'applied',
  feedKey: 'msg:wamid.A',
  seq: 2,
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};
const delivered: EventLogEntry = {
  ...base,
  eventId: 'status-deli000000002',
  status: 'delivered',
  timestamp: 1_700_000_007,
  region: 'eu-west',
  receivedAt: 1_700_000_012_000,
  appliedAt: 1_700_000_012_040,
  outcome: 'stale',
  beatenBy: { eventId: read.eventId, timestamp: read.timestamp, region: 'us-east', bySeconds: 3 },
};

describe('trace view', () => {
  it('trace view - a stale event is marked and names the event that beat it and by how much', () => {
    const report = traceReport('wamid.A', [delivered, read]);
    expect(report.inversions).toBe(1);
    expect(report.events[1]!.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    const lines = formatTrace(report, plain);
    expect(lines[0]).toBe('wamid.A: 2 events, 1 inversion');
    const staleRow = lines.findIndex((l) => l.includes('delivered'));
    expect(lines[staleRow]).toMatch(/^!!.*eu-west.*stale <</);
    expect(lines[staleRow + 1]).toContain('arrived after read');
    expect(lines[staleRow + 1]).toContain('us-east');
    expect(lines[staleRow + 1]).toContain('3s newer');
    // The read made feed entry #2 of its message; the trace id closes the row.
    expect(lines.find((l) => /^\s+\d{4}-/.test(l) && l.includes('read'))).toMatch(/applied\s+#2\s+0af7651916cd43dd8448eb211c80319c$/);
  });

  it('trace view - the relay\'s deliveries go under the row of their feed entry, one line per endpoint; rows without an entry get none', () => {
    const at = { firstAttemptAt: 1, lastAttemptAt: 2 };
    const deliveries = new Map([
      [
        read.eventId,
        [
          { outcome: 'delivered' as const, endpoint: 'crm', entryId: read.eventId, attempts: 1, status: 204, latencyMs: 33.6, ...at },
          { outcome: 'dead-lettered' as const, endpoint: 'bot', entryId: read.eventId, attempts: 12, error: 'timeout', reason: 'timeout after 12 attempts', ...at },
        ],
      ],
    ]);
    const report = traceReport('wamid.A', [delivered, read], deliveries);
    // The stale delivered made no feed entry here (no seq): no deliveries at all.
    expect(report.events.map((e) => e.deliveries?.map((d) => d.endpoint))).toEqual([undefined, ['crm', 'bot']]);
    const lines = formatTrace(report, plain);
    const row = lines.findIndex((l) => l.includes('#2'));
    expect(lines.slice(row + 1)).toEqual(['     -> crm delivered 204 after 1 attempt, 34 ms', '     -> bot dead-lettered (timeout) after 12 attempts: timeout after 12 attempts']);
    // Without the relay's records (no relay runs) the rows are as they were.
    expect(traceReport('wamid.A', [delivered, read]).events.some((e) => 'deliveries' in e)).toBe(false);
  });

  it('trace view - an unknown key says so', () => {
    expect(formatTrace(traceReport('nope', []), plain)).toEqual(['no events logged for nope']);
  });
});
