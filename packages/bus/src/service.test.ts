// The shape every service main shares, on a real process (testing/service-main.ts).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT_BAD_ENV } from './service.ts';

const MAIN = fileURLToPath(new URL('./testing/service-main.ts', import.meta.url));

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => {
    out += c;
  });
  child.stderr.on('data', (c) => {
    err += c;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, out: () => out, err: () => err };
}

describe('service - main shape', () => {
  it('service - a bad environment exits EXIT_BAD_ENV with one line naming the variable, not its value', async () => {
    const p = start({ WAMESH_REGION: 'Not A Region!' });
    expect(await p.exited).toBe(EXIT_BAD_ENV);
    expect(p.err()).toMatch(/^test-service: invalid environment: .*WAMESH_REGION/);
    expect(p.err()).not.toContain('Not A Region!');
    expect(p.out()).toBe('');
  });

  it('service - SIGTERM stops it through its finally and exits 0', async () => {
    const p = start({ WAMESH_REGION: 'eu' });
    await expect.poll(() => p.out(), { timeout: 10_000 }).toContain('ready eu');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.out().trim().split('\n')).toEqual(['ready eu', 'stopping SIGTERM', 'closed']);
  });

  it('service - a second signal while stopping exits 1 at once', async () => {
    const p = start({ WAMESH_REGION: 'eu', CLOSE_MS: '30000' });
    await expect.poll(() => p.out(), { timeout: 10_000 }).toContain('ready eu');
    p.child.kill('SIGINT');
    await expect.poll(() => p.out(), { timeout: 10_000 }).toContain('stopping SIGINT');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(1);
    expect(p.out()).toContain('second signal');
    expect(p.out()).not.toContain('closed');
  });
});
