// One endpoint on one partition of the keys: reads the feed from the endpoint's cursor,
// keeps the entries it wants, hands them to the per-key scheduler, saves the cursor as
// entries finish, and carries out operator decisions on dead letters.
import { backoff, type BusLogger, sleep } from '@wamesh/bus';
import type { FeedEntry } from '@wamesh/client';
import { fnv1a32 } from '@wamesh/core';
import { webhookSigner } from '@wamesh/client';
import { type AttemptOutcome, attemptDelivery } from './attempt.ts';
import { Circuit } from './circuit.ts';
import { type CursorStore, CursorTracker } from './cursor.ts';
import type { DeadLetters } from './dead-letters.ts';
import { deadLetteredRecord, type DeliveryRecorder, deliveredRecord } from './delivery-records.ts';
import type { EndpointConfig } from './endpoint.ts';
import type { FeedSource, Resume } from './feed-source.ts';
import { type Finish, type Item, KeyScheduler } from './scheduler.ts';

/** What the relay reports (metrics, tests). */
export interface RelayObserver {
  attempted?(endpoint: string, item: Item, outcome: AttemptOutcome): void;
  finished?(endpoint: string, item: Item, how: Finish): void;
  invalid?(endpoint: string, resume: Resume, reason: string): void;
  circuit?(endpoint: string, open: boolean): void;
}

export interface WorkerOptions {
  endpoint: EndpointConfig;
  partition: number;
  partitions: number;
  source: FeedSource;
  cursors: CursorStore;
  deadLetters: DeadLetters;
  logger: BusLogger;
  observer?: RelayObserver;
  /** Where each entry's final outcome is recorded (`wamesh trace`); none: not recorded. */
  records?: DeliveryRecorder;
  /** Entries read ahead and not finished, at most (the reader waits beyond). */
  maxBuffered?: number;
  /** Cursor save period. */
  saveEveryMs?: number;
  /** How often blocked keys look for an operator's decision. */
  decisionPollMs?: number;
}

export interface EndpointWorker {
  start(): void;
  /** Stops reading, lets attempts in flight settle, saves the cursor. */
  stop(): Promise<void>;
  /** Stops everything without saving, like a crash (tests). */
  abandon(): Promise<void>;
  backlog(): { entries: number; oldestCommittedAt?: number };
  circuitOpen(): boolean;
}

export function partitionOf(key: string, partitions: number): number {
  return fnv1a32(key) % partitions;
}

export function createEndpointWorker(opts: WorkerOptions): EndpointWorker {
  const { endpoint: ep, partition, partitions, source, cursors, deadLetters, logger, observer, records } = opts;
  const name = ep.name;
  const log = (o: object) => ({ endpoint: name, partition, ...o });
  const maxBuffered = opts.maxBuffered ?? 10_000;
  const abort = new AbortController();
  const sign = webhookSigner(ep.secrets);
  const target = { name, url: ep.url, timeoutMs: ep.timeoutMs, sign };
  let tracker: CursorTracker | undefined;
  let saved: Resume | undefined;
  let space: (() => void) | undefined;
  let running: Promise<void> = Promise.resolve();
  let timers: NodeJS.Timeout[] = [];

  const readWait = backoff({ initialMs: ep.retryInitialMs, maxMs: ep.retryMaxMs });
  const circuit = new Circuit({
    failures: ep.circuitFailures,
    cooldownMs: ep.circuitCooldownMs,
    maxCooldownMs: ep.retryMaxMs,
    onChange(open) {
      logger.warn(log({ open }), open ? 'endpoint circuit opened: its backlog waits' : 'endpoint circuit closed: delivering again');
      observer?.circuit?.(name, open);
    },
  });

  const scheduler = new KeyScheduler({
    ...ep,
    circuit,
    attempt: (item) => attemptDelivery(target, item.entry, item.attempts),
    async deadLetter(item, reason) {
      await deadLetters.put(name, item, reason);
      records?.record(deadLetteredRecord(name, item, reason));
    },
    finished(item, how) {
      tracker?.finish(item.cursor);
      observer?.finished?.(name, item, how);
      if (how === 'delivered') records?.record(deliveredRecord(name, item));
      if (how !== 'delivered') logger.warn(log({ id: item.entry.id, key: item.entry.key, seq: item.entry.seq, how }), 'entry left undelivered');
      if (space && tracker && tracker.pending() < maxBuffered) {
        space();
        space = undefined;
      }
    },
    attempted: (item, outcome) => {
      observer?.attempted?.(name, item, outcome);
      if (outcome.result === 'ok') logger.debug(log({ id: item.entry.id, key: item.entry.key, seq: item.entry.seq, attempts: item.attempts }), 'entry delivered');
      else logger.info(log({ id: item.entry.id, key: item.entry.key, seq: item.entry.seq, attempts: item.attempts, reason: outcome.reason }), 'delivery attempt failed');
    },
    blocked: (item, reason) =>
      logger.error(log({ id: item.entry.id, key: item.entry.key, seq: item.entry.seq, reason }), 'entry dead-lettered: key blocked until an operator skips or replays it'),
  });

  function wanted(entry: FeedEntry): boolean {
    if (ep.kinds && !ep.kinds.includes(entry.kind)) return false;
    if (ep.phoneNumberIds && (entry.phoneNumberId === undefined || !ep.phoneNumberIds.includes(entry.phoneNumberId))) return false;
    return partitions === 1 || partitionOf(entry.key, partitions) === partition;
  }

  async function read(): Promise<void> {
    const loaded = await cursors.load(name, partition);
    // A cursor another kind of feed saved (the relay moved between stores) means nothing here.
    let after = loaded !== undefined && source.isResume(loaded) ? loaded : undefined;
    if (loaded !== undefined && after === undefined) logger.warn(log({ saved: loaded }), 'saved cursor is not of this feed: reading from its start');
    saved = after;
    tracker = new CursorTracker(after);
    logger.info(log({ after }), 'endpoint reading the feed');
    let failures = 0;
    while (!abort.signal.aborted) {
      try {
        for await (const rec of source.read(after, abort.signal)) {
          failures = 0;
          after = rec.resume;
          const position = tracker.add(rec.resume);
          if ('invalid' in rec) {
            logger.error(log({ resume: rec.resume, reason: rec.invalid }), 'undecodable feed record passed over');
            observer?.invalid?.(name, rec.resume, rec.invalid);
            tracker.finish(position);
          } else if ('none' in rec || !wanted(rec.entry)) tracker.finish(position);
          else scheduler.push(position, rec.entry);
          while (tracker.pending() >= maxBuffered && !abort.signal.aborted) {
            await new Promise<void>((resolve) => {
              space = resolve;
              abort.signal.addEventListener('abort', () => resolve(), { once: true });
            });
          }
        }
      } catch (err) {
        failures++;
        logger.warn(log({ err: String(err), failures }), 'reading the feed failed; retrying');
      }
      if (!abort.signal.aborted) await sleep(readWait(Math.max(1, failures)), abort.signal);
    }
  }

  async function save(): Promise<void> {
    const resume = tracker?.resume();
    if (resume === undefined || resume === saved) return;
    await cursors.save(name, partition, resume);
    saved = resume;
  }

  async function decide(): Promise<void> {
    for (const item of scheduler.blockedItems()) {
      const decision = await deadLetters.decision(name, item.entry.id);
      if (!decision) continue;
      logger.info(log({ id: item.entry.id, key: item.entry.key, decision }), 'operator decision on a dead letter');
      scheduler.resolve(item.entry.id, decision);
      await deadLetters.clear(name, item.entry.id);
    }
  }

  function every(ms: number, fn: () => Promise<void>, what: string): void {
    let busy = false;
    const t = setInterval(() => {
      if (busy) return;
      busy = true;
      fn()
        .catch((err) => logger.warn(log({ err: String(err) }), `${what} failed`))
        .finally(() => {
          busy = false;
        });
    }, ms);
    timers.push(t);
  }

  function halt(): void {
    abort.abort();
    for (const t of timers) clearInterval(t);
    timers = [];
  }

  return {
    start() {
      running = read().catch((err) => logger.error(log({ err: String(err) }), 'endpoint reader stopped'));
      every(opts.saveEveryMs ?? 500, save, 'saving the cursor');
      every(opts.decisionPollMs ?? 1_000, decide, 'reading operator decisions');
    },
    async stop() {
      halt();
      await running;
      await scheduler.close();
      await save().catch((err) => logger.warn(log({ err: String(err) }), 'saving the cursor at stop failed'));
      logger.info(log({ after: tracker?.resume() }), 'endpoint stopped');
    },
    async abandon() {
      halt();
      await running;
      await scheduler.close();
    },
    backlog: () => scheduler.backlog(),
    circuitOpen: () => circuit.isOpen(),
  };
}
