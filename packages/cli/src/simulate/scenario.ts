// Realistic WhatsApp traffic for one business number: users writing in (text, media,
// reactions, replies) and outbound messages walking sent → delivered → read (→ played for
// voice), some failing, some read without a delivered, the odd unknown future status.
// Pure: the same options give the same webhooks.
import { buildWebhook, type InboundSpec, type StatusSpec } from '@wamesh/core';
import { type Rng, rng } from './rng.ts';

export interface ScenarioOptions {
  seed: number;
  /** Distinct users talking to the business. */
  conversations: number;
  /** Webhooks to generate; lifecycles still open then are played to their end. */
  webhooks: number;
  /** Unix seconds of the first event. */
  startSeconds: number;
  /** Digits making this run's wamids and wa_ids its own (the store outlives runs). */
  runId: string;
  phoneNumberId?: string;
  wabaId?: string;
}

export interface PlannedWebhook {
  /** Position in WhatsApp-time order (per conversation the timestamps never go back). */
  seq: number;
  conversation: number;
  /** The JSON body, signed and sent byte for byte. */
  body: string;
  /** What it carries, e.g. "status read wamid.X" or "msg text wamid.Y". */
  label: string;
  events: number;
}

export interface Scenario {
  phoneNumberId: string;
  wabaId: string;
  webhooks: PlannedWebhook[];
  waIds: string[];
  /** Every wamid that got a status or is an inbound message. */
  wamids: string[];
}

type Step =
  | { kind: 'in'; spec: Omit<InboundSpec, 'timestamp'>; gap: number }
  | { kind: 'st'; specs: Omit<StatusSpec, 'timestamp'>[]; gap: number };

interface Conv {
  index: number;
  waId: string;
  name: string;
  clock: number;
  active: Step[][];
  /** wamids seen so far, for replies and reactions. */
  recent: string[];
  outbound: number;
  inbound: number;
}

const NAMES = ['Ana', 'Bilal', 'Chen', 'Dara', 'Emeka', 'Fatima', 'Giulia', 'Hiro', 'Ines', 'Jonas', 'Kavya', 'Luis'];

export function buildScenario(opts: ScenarioOptions): Scenario {
  const r = rng(opts.seed);
  const phoneNumberId = opts.phoneNumberId ?? '106540352242922';
  const wabaId = opts.wabaId ?? '102290129340398';
  const convs: Conv[] = Array.from({ length: opts.conversations }, (_, index) => ({
    index,
    waId: `1555${opts.runId}${String(index).padStart(4, '0')}`,
    name: r.pick(NAMES),
    clock: opts.startSeconds + r.int(0, 5),
    active: [],
    recent: [],
    outbound: 0,
    inbound: 0,
  }));
  const webhooks: PlannedWebhook[] = [];
  const wamids = new Set<string>();

  const emit = (c: Conv, step: Step): void => {
    c.clock += step.gap;
    const timestamp = c.clock;
    let label: string;
    let events: number;
    let change: { phoneNumberId: string; messages?: InboundSpec[]; statuses?: StatusSpec[] };
    if (step.kind === 'in') {
      const spec: InboundSpec = { ...step.spec, timestamp };
      change = { phoneNumberId, messages: [spec] };
      label = `msg ${spec.type ?? 'text'} ${spec.id}`;
      events = 1;
      wamids.add(spec.id);
      c.recent.push(spec.id);
    } else {
      const specs = step.specs.map((s) => ({ ...s, timestamp }));
      change = { phoneNumberId, statuses: specs };
      label = `status ${specs.map((s) => s.status).join('+')} ${specs[0]!.id}`;
      events = specs.length;
      for (const s of specs) wamids.add(s.id);
      if (!c.recent.includes(specs[0]!.id)) c.recent.push(specs[0]!.id);
    }
    if (c.recent.length > 5) c.recent.shift();
    const body = JSON.stringify(buildWebhook([{ wabaId, changes: [change] }]));
    webhooks.push({ seq: webhooks.length, conversation: c.index, body, label, events });
  };

  const next = (c: Conv): void => {
    if (c.active.length === 0 || (c.active.length < 2 && r.chance(0.4))) {
      c.active.push(r.chance(0.45) ? inboundLifecycle(c, r, opts.runId) : outboundLifecycle(c, r, opts.runId));
    }
    const qi = r.int(0, c.active.length - 1);
    const queue = c.active[qi]!;
    const step = queue.shift()!;
    if (queue.length === 0) c.active.splice(qi, 1);
    emit(c, step);
  };

  while (webhooks.length < opts.webhooks && convs.length > 0) next(r.pick(convs));
  for (const c of convs) while (c.active.length) next(c);

  return { phoneNumberId, wabaId, webhooks, waIds: convs.map((c) => c.waId), wamids: [...wamids] };
}

function inboundLifecycle(c: Conv, r: Rng, runId: string): Step[] {
  const id = `wamid.SIM${runId}I${c.index}x${c.inbound++}`;
  const base = { from: c.waId, id, name: c.name };
  const roll = r.next();
  let spec: Omit<InboundSpec, 'timestamp'>;
  if (roll < 0.55) {
    spec = { ...base, type: 'text', text: r.pick(['hi', 'where is my order?', 'thanks!', 'ok', 'can I change the address?']) };
    if (c.recent.length && r.chance(0.25)) spec.replyTo = r.pick(c.recent);
  } else if (roll < 0.65) {
    spec = { ...base, type: 'image', fields: { image: { id: `${runId}${r.int(1000, 9999)}`, mime_type: 'image/jpeg', sha256: 'c0ffee' } } };
  } else if (roll < 0.73) {
    spec = { ...base, type: 'audio', fields: { audio: { id: `${runId}${r.int(1000, 9999)}`, mime_type: 'audio/ogg; codecs=opus', voice: true } } };
  } else if (roll < 0.8 && c.recent.length) {
    spec = { ...base, type: 'reaction', fields: { reaction: { message_id: r.pick(c.recent), emoji: '👍' } } };
  } else if (roll < 0.88) {
    spec = {
      ...base,
      type: 'interactive',
      fields: { interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes' } } },
    };
    if (c.recent.length) spec.replyTo = r.pick(c.recent);
  } else if (roll < 0.94) {
    spec = { ...base, type: 'location', fields: { location: { latitude: 38.72, longitude: -9.14, name: 'Lisbon' } } };
  } else {
    spec = { ...base, type: 'sticker', fields: { sticker: { id: `${runId}${r.int(1000, 9999)}`, mime_type: 'image/webp', animated: false } } };
  }
  return [{ kind: 'in', spec, gap: r.int(0, 3) }];
}

function outboundLifecycle(c: Conv, r: Rng, runId: string): Step[] {
  const id = `wamid.SIM${runId}O${c.index}x${c.outbound++}`;
  const voice = r.chance(0.1);
  const conversation = { id: `conv${runId}${c.index}`, origin: { type: 'service' } };
  const pricing = { billable: true, pricing_model: 'CBP', category: 'service' };
  const st = (status: string, extra: Partial<StatusSpec> = {}): Omit<StatusSpec, 'timestamp'> => ({
    id,
    status,
    recipientId: c.waId,
    ...extra,
  });
  const steps: Step[] = [];
  if (r.chance(0.02)) steps.push({ kind: 'st', specs: [st('held_for_quality_assessment')], gap: r.int(0, 1) });
  const sent = st('sent', { conversation, pricing, ...(r.chance(0.2) ? { bizOpaqueCallbackData: `order-${c.index}` } : {}) });
  if (r.chance(0.08)) {
    steps.push({ kind: 'st', specs: [sent], gap: r.int(0, 2) });
    steps.push({ kind: 'st', specs: [st('failed', { errors: [undeliverable] })], gap: r.int(0, 3) });
    return steps;
  }
  const delivered = st('delivered', { conversation, pricing });
  const skipDelivered = r.chance(0.05);
  if (!skipDelivered && r.chance(0.15)) {
    // Meta batches statuses of the same second into one webhook now and then.
    steps.push({ kind: 'st', specs: [sent, delivered], gap: r.int(0, 2) });
  } else {
    steps.push({ kind: 'st', specs: [sent], gap: r.int(0, 2) });
    if (!skipDelivered) steps.push({ kind: 'st', specs: [delivered], gap: r.int(0, 2) });
  }
  if (r.chance(0.03)) {
    // Multi-device: delivered to one device, failed on another.
    steps.push({ kind: 'st', specs: [st('failed', { errors: [undeliverable] })], gap: r.int(0, 3) });
    return steps;
  }
  if (skipDelivered || r.chance(0.8)) {
    steps.push({ kind: 'st', specs: [st('read')], gap: r.int(1, 5) });
    if (voice && r.chance(0.7)) steps.push({ kind: 'st', specs: [st('played')], gap: r.int(1, 5) });
  }
  return steps;
}

const undeliverable = {
  code: 131026,
  title: 'Message undeliverable',
  message: 'Message undeliverable',
  error_data: { details: 'Message could not be delivered to the recipient' },
};
