// Test support for the semantic check: the one driver call the Mongo join needs
// (findOneAndUpdate, upsert, update pipeline, before-image), evaluated by mingo in memory.
// Not a database: no concurrency, no durability; only the meaning of the expressions.
import { updateOne } from 'mingo';
import { MongoServerError } from 'mongodb';
import type { JoinCollection } from './join-writer.ts';
import type { UpdatePipeline } from './update.ts';

type Stored = { _id: string } & Record<string, unknown>;

export class MingoCollection implements JoinCollection {
  readonly docs: Stored[] = [];
  /** Upserts of a new `_id` that first fail with E11000, as when another writer inserted it first. */
  raceOnInsert = 0;
  pipelinesSeen = 0;

  async findOneAndUpdate(filter: { _id: string }, update: UpdatePipeline): Promise<Stored | null> {
    this.pipelinesSeen++;
    const held = this.docs.find((d) => d._id === filter._id);
    if (!held && this.raceOnInsert > 0) {
      this.raceOnInsert--;
      throw new MongoServerError({ message: `E11000 duplicate key error: _id ${filter._id}`, code: 11000 });
    }
    const before = held ? structuredClone(held) : null;
    // Mongo's upsert: a new document from the filter's equality fields, then the pipeline.
    if (!held) this.docs.push({ _id: filter._id });
    updateOne(this.docs, filter, update as never);
    return before;
  }

  get(id: string): Stored | undefined {
    return this.docs.find((d) => d._id === id);
  }
}
