// A reader for the subset of the nats-server config syntax infra/nats uses: maps in
// braces, arrays in brackets, `key: value` / `key = value` / `key value`, quoted and bare
// strings, numbers, booleans, `$VAR` references, `include file`, and # or // comments.
// Good enough to assert topology and permissions; `nats-server -t` checks the real syntax.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** `$VAR` references stay strings with their `$`. */
export type ConfValue = string | number | boolean | ConfValue[] | ConfMap;
export interface ConfMap {
  [key: string]: ConfValue;
}

type Token = { kind: 'punct'; value: string } | { kind: 'str'; value: string; quoted: boolean };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (/\s|,/.test(c)) {
      i++;
    } else if ('{}[]:='.includes(c)) {
      out.push({ kind: 'punct', value: c });
      i++;
    } else if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated string at ${i}`);
      out.push({ kind: 'str', value: text.slice(i + 1, end), quoted: true });
      i = end + 1;
    } else {
      // Bare token: ends at whitespace, a comma, a brace/bracket, or a key separator
      // (`:` followed by a space, so `0.0.0.0:4222` stays one token).
      let j = i;
      while (j < text.length && !/[\s,{}[\]=]/.test(text[j]!) && !(text[j] === ':' && /\s/.test(text[j + 1] ?? ' '))) j++;
      out.push({ kind: 'str', value: text.slice(i, j), quoted: false });
      i = j;
    }
  }
  return out;
}

function scalar(t: Token & { kind: 'str' }): ConfValue {
  if (t.quoted) return t.value;
  if (t.value === 'true' || t.value === 'enabled') return true;
  if (t.value === 'false' || t.value === 'disabled') return false;
  if (/^-?\d+$/.test(t.value)) return Number(t.value);
  return t.value;
}

/** Parses one config file; `include` pulls the named file's keys into the current map. */
export function parseNatsConf(file: string): ConfMap {
  const tokens = tokenize(readFileSync(file, 'utf8'));
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => {
    const t = tokens[pos++];
    if (!t) throw new Error(`${file}: unexpected end`);
    return t;
  };

  const value = (): ConfValue => {
    const t = next();
    if (t.kind === 'punct' && t.value === '{') return map('}');
    if (t.kind === 'punct' && t.value === '[') {
      const arr: ConfValue[] = [];
      while (!(peek()?.kind === 'punct' && peek()?.value === ']')) arr.push(value());
      pos++;
      return arr;
    }
    if (t.kind === 'str') return scalar(t);
    throw new Error(`${file}: unexpected ${t.value}`);
  };

  const map = (close: string | undefined): ConfMap => {
    const out: ConfMap = {};
    for (;;) {
      const t = peek();
      if (t === undefined) {
        if (close) throw new Error(`${file}: missing ${close}`);
        return out;
      }
      pos++;
      if (t.kind === 'punct' && t.value === close) return out;
      if (t.kind !== 'str') throw new Error(`${file}: expected a key, got ${t.value}`);
      if (t.value === 'include') {
        const target = next();
        Object.assign(out, parseNatsConf(join(dirname(file), target.value)));
        continue;
      }
      const sep = peek();
      if (sep?.kind === 'punct' && (sep.value === ':' || sep.value === '=')) pos++;
      out[t.value] = value();
    }
  };

  return map(undefined);
}

export const isMap = (v: ConfValue | undefined): v is ConfMap => typeof v === 'object' && v !== null && !Array.isArray(v);

/** NATS subject matching: `*` is one token, `>` one or more trailing tokens. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
