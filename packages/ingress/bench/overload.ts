// Overload run: the ingress driven open-loop at about twice its measured peak, over more
// connections than MAX_IN_FLIGHT so the excess reaches it and is shed. What counts: the
// requests it accepts stay fast (p99 of the 200s), the rest get a prompt 503 (their share),
// and every event answered 200 is in the stream (read back by wamid).
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { benchWamid } from './bodies.ts';
import type { Measured } from './measure.ts';

export interface OverloadReport {
  offered: number;
  /** 200s per second of the measured part. */
  okRps: number;
  /** Share of the measured requests answered 503. */
  shed: number;
  okP99: number;
  /** The same from when each request went out: the ingress's share, without the load generator's queue. */
  okP99FromSend: number;
  /** Other answers than 200 and 503, and requests without an answer. */
  otherNon2xx: number;
  errors: number;
  /** Events answered 200 (warm-up included) and how many of them the stream lacks. */
  acceptedEvents: number;
  missing: number;
}

/** The stream's last sequence now: events published later are the run's. */
export async function lastSeq(nc: NatsConnection, stream: string): Promise<number> {
  return (await (await jetstreamManager(nc)).streams.info(stream)).state.last_seq;
}

/** Wamids of the events stored after `afterSeq`. */
async function wamidsAfter(nc: NatsConnection, stream: string, afterSeq: number): Promise<Set<string>> {
  const out = new Set<string>();
  if ((await lastSeq(nc, stream)) <= afterSeq) return out;
  const consumer = await jetstream(nc).consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 });
  for await (const m of await consumer.consume()) {
    out.add(m.json<{ wamid: string }>().wamid);
    if (m.info.pending === 0) break;
  }
  return out;
}

export async function overloadReport(
  nc: NatsConnection,
  stream: string,
  afterSeq: number,
  run: Measured,
  offered: number,
  eventsPerRequest: number,
): Promise<OverloadReport> {
  const r = run.load;
  const stored = await wamidsAfter(nc, stream, afterSeq);
  let missing = 0;
  for (const i of r.accepted ?? []) {
    for (let j = 0; j < eventsPerRequest; j++) if (!stored.has(benchWamid(run.runId, i.toString(36), j))) missing++;
  }
  const seconds = r.requests / r.rps;
  return {
    offered,
    okRps: (r.ok ?? 0) / seconds,
    shed: (r.status503 ?? 0) / Math.max(1, r.requests),
    okP99: r.okP99 ?? 0,
    okP99FromSend: r.okP99FromSend ?? 0,
    otherNon2xx: r.non2xx - (r.status503 ?? 0),
    errors: r.errors,
    acceptedEvents: (r.accepted?.length ?? 0) * eventsPerRequest,
    missing,
  };
}

export function formatOverload(o: OverloadReport, connections: number): string[] {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  return [
    `overload: (c) open-loop at ${Math.round(o.offered)} req/s (2× its peak) over ${connections} connections`,
    `  200s: ${Math.round(o.okRps)} req/s, p99 ${o.okP99.toFixed(1)} ms from due time, ${o.okP99FromSend.toFixed(1)} ms from sending   503s: ${pct(o.shed)} of requests   other non-2xx: ${o.otherNon2xx}, errors: ${o.errors}`,
    `  events answered 200: ${o.acceptedEvents}, missing from the stream: ${o.missing}`,
  ];
}
