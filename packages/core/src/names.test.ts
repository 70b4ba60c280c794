import { describe, expect, it } from 'vitest';
import { CoreError } from './errors.ts';
import { fieldSubjectOf, fnv1a32, quarantineSubjectOf, shardOf, streamNames, subjectOf } from './names.ts';

describe('names - shardOf', () => {
  it('hashes with FNV-1a 32 (published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes, not UTF-16 code units', () => {
    expect(fnv1a32('é')).toBe(0x1e9de8c1);
    expect(fnv1a32('😀')).toBe(0x33a29608);
  });

  it('takes the hash modulo the shard count', () => {
    expect(shardOf('16505551234', 16)).toBe(0x28171b9c % 16);
    expect(shardOf('16505551234', 1)).toBe(0);
    for (const key of ['a', 'b', 'wamid.X', '5511999999999']) {
      const shard = shardOf(key, 7);
      expect(shard).toBeGreaterThanOrEqual(0);
      expect(shard).toBeLessThan(7);
    }
  });

  it('rejects a shard count that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => shardOf('k', bad)).toThrow(CoreError);
    }
  });
});

describe('names - subjects and streams', () => {
  it('builds wa.<region>.<kind>.<shard>', () => {
    expect(subjectOf('eu', 'msg', 3)).toBe('wa.eu.msg.3');
    expect(subjectOf('us-east', 'status', 15)).toBe('wa.us-east.status.15');
  });

  it('refuses a region that is not one subject token', () => {
    expect(() => subjectOf('eu.west', 'msg', 0)).toThrow(/region/);
    expect(() => subjectOf('*', 'msg', 0)).toThrow(CoreError);
    expect(() => subjectOf('eu', 'msg', -1)).toThrow(CoreError);
  });

  it('names streams from the region upper-cased with non-alphanumerics as _', () => {
    expect(streamNames('eu')).toEqual({ input: 'WA_EU', dead: 'WADLQ_EU', fields: 'WAFIELD_EU', quarantine: 'WAQUAR_EU' });
    expect(streamNames('us-east.1')).toEqual({
      input: 'WA_US_EAST_1',
      dead: 'WADLQ_US_EAST_1',
      fields: 'WAFIELD_US_EAST_1',
      quarantine: 'WAQUAR_US_EAST_1',
    });
  });

  it('keeps a field name one subject token, and the quarantine per region', () => {
    expect(fieldSubjectOf('eu', 'account_update')).toBe('wafield.eu.account_update');
    expect(fieldSubjectOf('eu', 'a.b *>')).toBe('wafield.eu.a_b___');
    expect(fieldSubjectOf('eu', '')).toBe('wafield.eu._');
    expect(quarantineSubjectOf('eu')).toBe('waquar.eu');
    expect(() => quarantineSubjectOf('e u')).toThrow();
  });
});
