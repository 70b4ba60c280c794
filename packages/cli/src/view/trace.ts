import type { EventLogEntry } from '@wamesh/core';
import type { DeliveryRecord } from '@wamesh/relay';
import { clock, type Style, table, traceIdOf, waTime } from './style.ts';

/**
 * One row of `wamesh trace --json`: the log entry plus its trace id, ready for jq; a row that
 * made a feed entry also has what the relay did with it per endpoint, when a relay runs.
 */
export type TraceRow = EventLogEntry & { traceId?: string; deliveries?: DeliveryRecord[] };

export interface TraceReport {
  key: string;
  events: TraceRow[];
  /** Events that arrived after a newer one for the same state had been applied. */
  inversions: number;
}

// A row with a feed number made a feed entry, whose id is the row's event id.
const madeEntry = (e: EventLogEntry): boolean => e.seq !== undefined;

/** Ids of the feed entries the rows made: what the relay's delivery records are keyed by. */
export const feedEntryIds = (entries: EventLogEntry[]): string[] => entries.filter(madeEntry).map((e) => e.eventId);

/** `deliveries`: the relay's records by entry id; undefined when no relay runs (rows as they are). */
export function traceReport(key: string, entries: EventLogEntry[], deliveries?: Map<string, DeliveryRecord[]>): TraceReport {
  const events = entries.map((e) => {
    const row: TraceRow = { ...e };
    const traceId = traceIdOf(e.traceparent);
    if (traceId) row.traceId = traceId;
    if (deliveries && madeEntry(e)) row.deliveries = deliveries.get(e.eventId) ?? [];
    return row;
  });
  return { key, events, inversions: events.filter((e) => e.outcome === 'stale').length };
}

const what = (e: EventLogEntry): string =>
  e.kind === 'status' ? (e.status ?? '?') : e.kind === 'field' ? `field:${e.field ?? '?'}` : `msg:${e.type ?? '?'}`;
// A user's timeline mixes messages: then every row says which one it is about.
const label = (e: EventLogEntry, mixed: boolean): string =>
  e.kind === 'field' ? what(e) : e.kind === 'msg' || mixed ? `${what(e)} ${e.wamid}` : what(e);

/**
 * The human timeline, in WhatsApp-time order. A stale event gets a marker and a line under
 * it naming the event that beat it, so an inversion is the first thing the eye finds.
 */
export function formatTrace(report: TraceReport, style: Style): string[] {
  const { key, events } = report;
  if (events.length === 0) return [`no events logged for ${key}`];
  const byId = new Map(events.map((e) => [e.eventId, e]));
  const mixed = new Set(events.map((e) => e.wamid)).size > 1;
  const head =
    `${style.bold(key)}: ${events.length} event${events.length === 1 ? '' : 's'}` +
    (report.inversions ? `, ${style.red(`${report.inversions} inversion${report.inversions === 1 ? '' : 's'}`)}` : ', in order');
  const rows: string[][] = [];
  const notes = new Map<number, string[]>();
  events.forEach((e, i) => {
    const stale = e.outcome === 'stale';
    const outcome =
      e.outcome === 'applied' ? style.green(e.outcome) : stale ? style.red(`${e.outcome} <<`) : style.yellow(e.outcome);
    rows.push([
      stale ? style.red('!!') : '  ',
      waTime(e.timestamp),
      label(e, mixed),
      e.region,
      clock(e.receivedAt),
      clock(e.appliedAt),
      outcome,
      // The change-feed entry the event made: its number in its key's feed (none for a duplicate).
      e.seq === undefined ? '-' : `#${e.seq}`,
      e.traceId ?? '-',
    ]);
    const under: string[] = [];
    if (stale && e.beatenBy) {
      const winner = byId.get(e.beatenBy.eventId);
      const name = winner ? `${what(winner)} ` : '';
      under.push(
        style.red(
          `     ^ arrived after ${name}(event ${e.beatenBy.eventId.slice(0, 16)}, ${e.beatenBy.region}, ` +
            `${waTime(e.beatenBy.timestamp)}) was applied: ${e.beatenBy.bySeconds}s newer`,
        ),
      );
    }
    if (e.deliveries) under.push(...deliveryLines(e.deliveries, style));
    if (under.length > 0) notes.set(i, under);
  });
  const lines = table(['', 'whatsapp time (UTC)', 'event', 'region', 'received', 'applied', 'outcome', 'feed', 'trace'], rows, style);
  const out = [head, lines[0]!];
  lines.slice(1).forEach((l, i) => {
    out.push(l);
    out.push(...(notes.get(i) ?? []));
  });
  return out;
}

const times = (n: number): string => `${n} attempt${n === 1 ? '' : 's'}`;

/** One line per endpoint under the row of a feed entry: what the relay's delivery came to. */
function deliveryLines(records: DeliveryRecord[], style: Style): string[] {
  if (records.length === 0) return [style.dim('     -> no delivery recorded (not yet, or filtered out by every endpoint)')];
  return records.map((d) =>
    d.outcome === 'delivered'
      ? style.green(`     -> ${d.endpoint} delivered ${d.status} after ${times(d.attempts)}, ${Math.round(d.latencyMs)} ms`)
      : style.red(`     -> ${d.endpoint} dead-lettered ${d.status ?? `(${d.error ?? 'no answer'})`} after ${times(d.attempts)}: ${d.reason}`),
  );
}
