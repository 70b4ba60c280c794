// TEST DOUBLE (no MongoDB can run here): the three driver calls of the compare-and-set,
// with MongoDB's meaning (replace matches `_id` and `_rev`, a second insert of an `_id` is
// E11000), held in memory. Not a database: it checks the writer's logic, not the driver.
import { MongoServerError } from 'mongodb';
import type { CasCollection, MongoDoc } from './cas.ts';

export class MemoryCollection implements CasCollection {
  readonly docs = new Map<string, MongoDoc>();
  /** Inserts of a new `_id` that first fail with E11000, as when another writer inserted it first. */
  raceOnInsert = 0;
  writes = 0;

  async findOne(filter: { _id: string }): Promise<MongoDoc | null> {
    const doc = this.docs.get(filter._id);
    return doc ? structuredClone(doc) : null;
  }

  async replaceOne(filter: { _id: string; _rev: number }, doc: MongoDoc): Promise<{ matchedCount: number }> {
    if (this.docs.get(filter._id)?._rev !== filter._rev) return { matchedCount: 0 };
    this.writes++;
    this.docs.set(filter._id, structuredClone(doc));
    return { matchedCount: 1 };
  }

  async insertOne(doc: MongoDoc): Promise<void> {
    if (this.raceOnInsert > 0 && !this.docs.has(doc._id)) {
      this.raceOnInsert--;
      // Another writer's document lands first, as in a real insert race.
      this.docs.set(doc._id, { ...structuredClone(doc), _rev: 1 });
    }
    if (this.docs.has(doc._id)) throw new MongoServerError({ message: `E11000 duplicate key error: _id ${doc._id}`, code: 11000 });
    this.writes++;
    this.docs.set(doc._id, structuredClone(doc));
  }
}
