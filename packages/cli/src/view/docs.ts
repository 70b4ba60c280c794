import type { ConversationDoc, MessageDoc } from '@wamesh/core';
import { type Style, waTime } from './style.ts';

const json = (v: unknown): string => JSON.stringify(v);

/** `wamesh status <wamid>`: the joined status, each status's time and what it carried. */
export function formatMessage(doc: MessageDoc, style: Style): string[] {
  const out = [
    `${style.bold(doc.wamid)}  (business number ${doc.phoneNumberId})`,
    `  status    ${doc.status === 'failed' ? style.red('failed') : (doc.status ?? style.dim('none yet'))}  (rank ${doc.rank})`,
  ];
  const times = Object.entries(doc.statusAt).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  for (const [status, at] of times) {
    const fact = doc.facts[status];
    const extra: string[] = [];
    if (fact) {
      extra.push(fact.region);
      if (fact.conversation) extra.push(`conversation ${json(fact.conversation)}`);
      if (fact.pricing) extra.push(`pricing ${json(fact.pricing)}`);
      if (fact.errors?.length) extra.push(style.red(`errors ${json(fact.errors)}`));
      if (fact.bizOpaqueCallbackData) extra.push(`callback data ${json(fact.bizOpaqueCallbackData)}`);
    }
    out.push(`  ${status.padEnd(10)}${waTime(at)}  ${extra.join('  ')}`.trimEnd());
  }
  if (doc.inbound) {
    const i = doc.inbound;
    out.push(
      `  inbound   ${i.type} from ${i.waId} at ${waTime(i.timestamp)} (${i.region})` +
        (i.contextWamid ? `, replying to ${i.contextWamid}` : ''),
    );
  }
  return out;
}

/** `wamesh conversation <phone_number_id> <wa_id>`: the latest inbound message. */
export function formatConversation(doc: ConversationDoc, style: Style): string[] {
  const l = doc.last;
  return [
    `${style.bold(`${doc.phoneNumberId} / ${doc.waId}`)}${l.contactName ? `  (${l.contactName})` : ''}`,
    `  last     ${l.type} ${l.wamid}`,
    `  at       ${waTime(l.timestamp)}  (${l.region}, event ${l.eventId})`,
    doc.ambiguous
      ? style.yellow('  ambiguous: another message has the same WhatsApp second; their order is a tie-break')
      : '  order    unambiguous',
  ];
}
