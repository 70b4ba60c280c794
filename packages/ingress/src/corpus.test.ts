// Every real-world webhook body of ../shared/webhook-corpus (written by other projects and
// Meta's docs, read here at test time), signed and posted to a real ingress on a real
// nats-server: each gets 200, and each message, status and change in it is stored, in the
// input stream, the field-event stream or (with its reason) in quarantine. The parts are
// counted by walking the JSON here, independently of the ingress's own split.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { decodeQuarantined } from '@wamesh/bus';
import { quarantineId, splitWebhook } from '@wamesh/core';
import { describe, expect, it } from 'vitest';
import { ingressTest } from './testing.ts';

const CORPUS = new URL('../../../../shared/webhook-corpus/', import.meta.url);
const files = existsSync(CORPUS) ? readdirSync(CORPUS).filter((f) => f.endsWith('.json')).sort() : [];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** What a body holds, by path: inbound messages and statuses of messages changes, and every other change. */
function partsOf(json: unknown): { sequenced: string[]; changes: string[] } {
  const sequenced: string[] = [];
  const changes: string[] = [];
  if (!isObject(json)) return { sequenced, changes };
  for (const [e, entry] of list(json.entry).entries()) {
    for (const [c, change] of list(isObject(entry) ? entry.changes : undefined).entries()) {
      const at = `entry.${e}.changes.${c}`;
      const value = isObject(change) ? change.value : undefined;
      if (json.object !== 'whatsapp_business_account' || !isObject(change) || change.field !== 'messages') {
        changes.push(at);
        continue;
      }
      for (const key of ['messages', 'statuses']) {
        for (const i of list(isObject(value) ? value[key] : undefined).keys()) sequenced.push(`${at}.value.${key}.${i}`);
      }
    }
  }
  return { sequenced, changes };
}

if (files.length === 0) {
  // The corpus lives beside the repository (../shared); a clone without it has nothing to read.
  describe.skip(`webhook corpus - SKIPPED: no ${CORPUS.pathname} beside the repository`, () => {
    it('every corpus body is stored', () => {});
  });
  console.warn(`[corpus] SKIPPED: ${CORPUS.pathname} is missing`);
} else {
  const test = ingressTest.override('ingressOptions', { region: 'corpus', shards: 16, now: Date.now, logLevel: 'error' });

  describe('webhook corpus', () => {
    test(`all ${files.length} real-world bodies get 200 and every part of each is stored or quarantined`, async ({ ingress: f }) => {
      const bodies = files.map((file) => ({ file, raw: readFileSync(new URL(file, CORPUS)) }));
      for (const { file, raw } of bodies) {
        const res = await f.post(raw);
        expect(res.statusCode, `${file}: ${res.body}`).toBe(200);
      }
      const stored = new Set([...(await f.messages()), ...(await f.fields())].map((m) => m.header?.get('Nats-Msg-Id')));
      const quarantine = new Map((await f.quarantined()).map((m) => [m.header?.get('Nats-Msg-Id'), m]));

      let sequencedParts = 0;
      let quarantinedParts = 0;
      let fieldParts = 0;
      for (const { file, raw } of bodies) {
        let json: unknown;
        try {
          json = JSON.parse(raw.toString('utf8'));
        } catch {
          json = undefined;
        }
        const q = quarantine.get(quarantineId(raw));
        const rejected = q ? decodeQuarantined(q.data, q.header).rejected.map((r) => r.path) : [];
        if (q) expect(Buffer.from(q.data).equals(raw), `${file}: quarantined bytes`).toBe(true);
        if (json === undefined) {
          expect(rejected, `${file}: not JSON`).toEqual(['body']);
          quarantinedParts++;
          continue;
        }
        const { sequenced, changes } = partsOf(json);
        const split = splitWebhook(json, 16);
        // Every message and status: its event in the input stream, or its path in quarantine.
        for (const path of sequenced) {
          const i = split.eventPaths.indexOf(path);
          if (i >= 0) {
            expect(stored.has(split.events[i]!.id), `${file}: ${path} stored`).toBe(true);
            sequencedParts++;
          } else {
            expect(rejected, `${file}: ${path} quarantined`).toContain(path);
            quarantinedParts++;
          }
        }
        // Every other change: a field event in its stream.
        for (const path of changes) {
          const field = split.fields.find((x) => x.path === path);
          expect(field !== undefined && stored.has(field.id), `${file}: ${path} in the field stream`).toBe(true);
          fieldParts++;
        }
      }
      console.info(`[corpus] ${files.length} bodies: ${sequencedParts} events, ${fieldParts} field events, ${quarantinedParts} quarantined parts`);
      expect(sequencedParts).toBeGreaterThan(100);
      expect(fieldParts).toBeGreaterThan(50);
    });
  });
}
