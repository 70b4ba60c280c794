// The command tree as a person meets it: per-command help, usage errors with exit code 2,
// the installed `wamesh` bin, and output without escape codes where colour is not wanted.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './cli.ts';
import { repoRoot } from './paths.ts';
import { captureIo } from './testing.ts';

const ESC = '\x1b[';

async function cli(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}

/** Flags each command is known to accept (from its code and the README), not from its definition. */
const knownFlags: Record<string, string[]> = {
  dev: [
    '--relay-hold',
    '--regions',
    '--region',
    '--shards',
    '--port-base',
    '--app-secret',
    '--verify-token',
    '--relay-endpoint',
    '--relay-secret',
    '--store',
    '--home',
    '--log-level',
  ],
  provision: [
    '--nats',
    '--regions',
    '--region',
    '--shards',
    '--replicas',
    '--cluster',
    '--duplicate-window',
    '--max-age',
    '--quarantine-max-age',
    '--quarantine-max-bytes',
    '--kv-store',
    '--home',
    '--json',
  ],
  status: ['<key>', '--nats', '--mongo', '--home', '--json'],
  conversation: ['<phone_number_id>', '<user>', '--nats', '--mongo', '--home', '--json'],
  trace: ['<key>', '--nats', '--mongo', '--home', '--json'],
  simulate: [
    '--rate',
    '--duration',
    '--conversations',
    '--jitter-ms',
    '--duplicate-rate',
    '--inversion-rate',
    '--regions',
    '--region',
    '--seed',
    '--drain-timeout',
    '--ingress',
    '--targets',
    '--app-secret',
    '--shards',
    '--nats',
    '--mongo',
    '--home',
    '--json',
  ],
  'dlq list': ['--region', '--regions', '--limit', '--nats', '--home', '--json'],
  'dlq replay': ['--region', '--regions', '--seq', '--dry-run', '--nats', '--home', '--json'],
  'quarantine list': ['--region', '--regions', '--limit', '--nats', '--home', '--json'],
  'quarantine replay': ['--region', '--regions', '--seq', '--nats', '--home', '--json'],
  'relay dlq list': ['--endpoint', '--nats', '--home', '--json'],
  'relay dlq replay': ['<seq...>', '--endpoint', '--wait', '--nats', '--home', '--json'],
  'relay dlq skip': ['<seq...>', '--endpoint', '--wait', '--nats', '--home', '--json'],
  receive: ['--port', '--host', '--secret', '--json'],
  bench: ['--help'],
};

describe('cli help', () => {
  for (const [command, flags] of Object.entries(knownFlags)) {
    it(`cli help - \`wamesh ${command} --help\` lists every flag it accepts, and only its own help`, async () => {
      const run = await cli(...command.split(' '), '--help');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: wamesh ${command} `);
      for (const flag of flags) expect(run.stdout, flag).toContain(flag);
      // Not the whole tree's help.
      expect(run.stdout).not.toContain('Exit codes:');
    });
  }

  it('cli help - the top help lists every command and the exit codes', async () => {
    const run = await cli('--help');
    expect(run.code).toBe(0);
    for (const c of ['dev', 'provision', 'status', 'conversation', 'trace', 'simulate', 'dlq', 'quarantine', 'bench']) {
      expect(run.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    }
    expect(run.stdout).toMatch(/^ {2}0 {2}ok$/m);
    expect(run.stdout).toMatch(/^ {2}1 {2}a check failed/m);
    expect(run.stdout).toMatch(/^ {2}2 {2}usage error/m);
  });
});

describe('cli usage errors', () => {
  it('cli usage - unknown flag, unknown command, missing argument and a bad value exit 2 with a message naming them', async () => {
    const flag = await cli('simulate', '--rat', '5');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/wamesh simulate: unknown option '--rat'/);
    expect(flag.stderr).toMatch(/--rate/); // the suggestion

    const command = await cli('simulat');
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/wamesh: unknown command 'simulat'/);

    const missing = await cli('conversation', '1065');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/wamesh conversation: missing required argument 'user'/);

    const extra = await cli('trace', 'a', 'b');
    expect(extra.code).toBe(2);

    const value = await cli('provision', '--replicas', '9');
    expect(value.code).toBe(2);
    expect(value.stderr).toMatch(/--replicas <n>' argument '9' is invalid\. Wants an integer from 1 to 5/);

    const choice = await cli('dev', '--store', 'redis');
    expect(choice.code).toBe(2);
    expect(choice.stderr).toMatch(/--store/);

    const none = await cli();
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Usage: wamesh/);
  });
});

describe('cli bin', () => {
  it('cli bin - `pnpm exec wamesh --help` and node_modules/.bin/wamesh run from the repo root', () => {
    const viaPnpm = spawnSync('pnpm', ['exec', 'wamesh', '--help'], { cwd: repoRoot, encoding: 'utf8' });
    expect(viaPnpm.status, viaPnpm.stderr).toBe(0);
    expect(viaPnpm.stdout).toContain('Usage: wamesh');
    const bin = join(repoRoot, 'node_modules', '.bin', 'wamesh');
    expect(execFileSync(bin, ['simulate', '--help'], { cwd: repoRoot, encoding: 'utf8' })).toContain('--drain-timeout');
    const bad = spawnSync(bin, ['trace', '--nope'], { cwd: repoRoot, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/wamesh trace: unknown option '--nope'/);
  });
});

describe('cli terminal output', () => {
  const nats = useNats(() => startServer({ name: 'cli' }));
  const where = () => ['--nats', nats().url, '--home', '/nonexistent/wamesh-home'];
  /** An Io like a terminal's: stdout a TTY, and a TTY stream for progress bars. */
  const terminal = () => {
    const bar = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    let drawn = '';
    bar.on('data', (d) => (drawn += d));
    return { io: { ...captureIo(), outTTY: true, barStream: bar }, drawn: () => drawn };
  };
  afterEach(() => vi.unstubAllEnvs());

  it('cli terminal - provision draws a progress bar on a terminal, none with --json', async () => {
    const tty = terminal();
    expect(await runCli(['provision', ...where(), '--region', 'tty', '--shards', '2'], tty.io)).toBe(0);
    expect(tty.drawn()).toMatch(/streams, consumers, buckets .*100% \d+\/\d+/);
    expect(tty.io.stdout.join('\n')).toMatch(/^created/m);

    const json = terminal();
    expect(await runCli(['provision', ...where(), '--region', 'tty', '--shards', '2', '--json'], json.io)).toBe(0);
    expect(json.drawn()).toBe('');
    expect(JSON.parse(json.io.stdout.join('\n')).unchanged.length).toBeGreaterThan(0);
  });

  it('cli terminal - colour on a terminal; none with NO_COLOR, none through a pipe', async () => {
    expect(await runCli(['provision', ...where(), '--region', 'tty', '--shards', '2'], captureIo())).toBe(0);
    const coloured = terminal();
    expect(await runCli(['dlq', 'list', ...where(), '--region', 'tty'], coloured.io)).toBe(0);
    expect(coloured.io.stdout.join('\n')).toContain(ESC);

    vi.stubEnv('NO_COLOR', '1');
    const noColour = terminal();
    expect(await runCli(['dlq', 'list', ...where(), '--region', 'tty'], noColour.io)).toBe(0);
    expect(noColour.io.stdout.join('\n')).toMatch(/^tty {2}WADLQ_TTY: empty$/m);
    expect(noColour.io.stdout.join('\n')).not.toContain(ESC);
    vi.unstubAllEnvs();

    const piped = spawnSync(process.execPath, [join(import.meta.dirname, 'main.ts'), 'dlq', 'list', ...where(), '--region', 'tty'], {
      encoding: 'utf8',
    });
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stdout).toMatch(/^tty {2}WADLQ_TTY: empty$/m);
    expect(piped.stdout + piped.stderr).not.toContain(ESC);
  });
});
