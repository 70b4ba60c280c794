import { styleText, stripVTControlCharacters } from 'node:util';

/** Text styles; `plain` when output is not a colour terminal (see commands/context.ts). */
export interface Style {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

// The caller has already decided colour is wanted (and for which stream): no second check.
const styled = (format: Parameters<typeof styleText>[0]) => (s: string) => styleText(format, s, { validateStream: false });

export const colour: Style = {
  red: styled('red'),
  yellow: styled('yellow'),
  green: styled('green'),
  dim: styled('dim'),
  bold: styled('bold'),
};

const id = (s: string) => s;
export const plain: Style = { red: id, yellow: id, green: id, dim: id, bold: id };

/** Pads to width, ignoring ANSI escapes when measuring. */
export function pad(s: string, width: number): string {
  const visible = stripVTControlCharacters(s).length;
  return visible >= width ? s : s + ' '.repeat(width - visible);
}

/** A table: one header row and rows, columns padded to their widest cell. */
export function table(header: string[], rows: string[][], style: Style): string[] {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => stripVTControlCharacters(r[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]!)))
      .join('  ')
      .trimEnd();
  return [style.dim(line(header)), ...rows.map(line)];
}

/** WhatsApp seconds as an ISO-like UTC time: 2024-05-01 10:00:00. */
export const waTime = (unixSeconds: number): string =>
  new Date(unixSeconds * 1000).toISOString().replace('T', ' ').slice(0, 19);

/** Epoch milliseconds as a UTC clock time with milliseconds: 10:00:01.120. */
export const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

/** The trace id of a W3C traceparent (00-<trace id>-<span id>-<flags>). */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const m = traceparent && /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent);
  return m ? m[1] : undefined;
}
