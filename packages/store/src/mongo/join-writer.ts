import type { ConversationDoc, MessageDoc } from '@wamesh/core';
import { MongoServerError, type WriteConcernSettings } from 'mongodb';
import type { JoinWriter } from '../batch.ts';
import { StoreConflictError } from '../errors.ts';
import { MAJORITY } from './collections.ts';
import { conversationUpdate, type EntityUpdate, fromStored, messageUpdate, type UpdatePipeline } from './update.ts';

const DUPLICATE_KEY = 11000;
const MAX_ATTEMPTS = 5;

/**
 * One findOneAndUpdate per entity: upsert + update pipeline (the join, computed by the
 * server) returning the before-image. Two writers upserting the same new `_id` race on the
 * unique index; the loser gets E11000 and retries, now matching the winner's document.
 */
async function joinWrite(collection: JoinCollection, { filter, update }: EntityUpdate): Promise<Stored | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await collection.findOneAndUpdate(filter, update, {
        upsert: true,
        returnDocument: 'before',
        writeConcern: MAJORITY,
      });
    } catch (err) {
      if (!(err instanceof MongoServerError) || err.code !== DUPLICATE_KEY) throw err;
      if (attempt >= MAX_ATTEMPTS) throw new StoreConflictError(filter._id, attempt, { cause: err });
    }
  }
}

type Stored = { _id: string } & Record<string, unknown>;

/** The one driver call the join needs; a mongodb Collection, or mingo in the semantic check. */
export interface JoinCollection {
  findOneAndUpdate(
    filter: { _id: string },
    update: UpdatePipeline,
    options: { upsert: true; returnDocument: 'before'; writeConcern: WriteConcernSettings },
  ): Promise<Stored | null>;
}

export function mongoJoinWriter(c: { messages: JoinCollection; conversations: JoinCollection }): JoinWriter {
  return {
    async joinMessage(delta: MessageDoc) {
      return fromStored<MessageDoc>(await joinWrite(c.messages, messageUpdate(delta)));
    },
    async joinConversation(delta: ConversationDoc) {
      return fromStored<ConversationDoc>(await joinWrite(c.conversations, conversationUpdate(delta)));
    },
  };
}
