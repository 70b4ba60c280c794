import { type ConversationDoc, type MessageDoc, messageView } from '@wamesh/core';
import { type Style, waTime } from './style.ts';

const json = (v: unknown): string => JSON.stringify(v);

/**
 * `wamesh status <wamid>`: the joined status, when each status happened and where it came
 * in, and the fields the statuses carried, merged (a late lower status still contributes).
 */
export function formatMessage(doc: MessageDoc, style: Style): string[] {
  const view = messageView(doc);
  const who = view.recipientId ? `, recipient ${view.recipientId}` : '';
  const out = [
    `${style.bold(doc.wamid)}  (business number ${doc.phoneNumberId}${who})`,
    `  status        ${doc.status === 'failed' ? style.red('failed') : (doc.status ?? style.dim('none yet'))}  (rank ${doc.rank})`,
  ];
  const times = Object.entries(doc.statusAt).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  for (const [status, at] of times) out.push(`  ${status.padEnd(14)}${waTime(at)}  ${doc.facts[status]?.region ?? ''}`.trimEnd());
  if (view.conversation) out.push(`  conversation  ${json(view.conversation)}`);
  if (view.pricing) out.push(`  pricing       ${json(view.pricing)}`);
  if (view.bizOpaqueCallbackData !== undefined) out.push(`  callback data ${json(view.bizOpaqueCallbackData)}`);
  if (view.errors?.length) out.push(style.red(`  errors        ${json(view.errors)}`));
  if (doc.inbound) {
    const i = doc.inbound;
    out.push(
      `  inbound       ${i.type} from ${i.userKey} at ${waTime(i.timestamp)} (${i.region})` +
        (i.contextWamid ? `, replying to ${i.contextWamid}` : ''),
    );
  }
  return out;
}

/** `wamesh conversation <phone_number_id> <wa_id>`: the latest inbound message. */
export function formatConversation(doc: ConversationDoc, style: Style): string[] {
  const l = doc.last;
  return [
    `${style.bold(`${doc.phoneNumberId} / ${doc.userKey}`)}${l.contactName ? `  (${l.contactName})` : ''}`,
    `  last     ${l.type} ${l.wamid}`,
    `  at       ${waTime(l.timestamp)}  (${l.region}, event ${l.eventId})`,
    doc.ambiguous
      ? style.yellow('  ambiguous: another message has the same WhatsApp second; their order is a tie-break')
      : '  order    unambiguous',
  ];
}
