import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { describe, expect, it } from 'vitest';
import { connectNats, natsConnectionOptions } from './connection.ts';
import { NatsConfigError } from './errors.ts';
import { silentLogger } from './logger.ts';

describe('connection - options', () => {
  const base = { servers: ['nats://a:4222', 'nats://b:4222'], name: 'ingress-eu' };

  it('reconnects forever with jitter', () => {
    expect(natsConnectionOptions(base)).toMatchObject({
      servers: base.servers,
      name: 'ingress-eu',
      maxReconnectAttempts: -1,
      reconnectJitter: expect.any(Number),
      reconnectJitterTLS: expect.any(Number),
    });
  });

  it('passes credentials and TLS files through', () => {
    expect(natsConnectionOptions({ ...base, user: 'u', pass: 'p' })).toMatchObject({ user: 'u', pass: 'p' });
    expect(natsConnectionOptions({ ...base, token: 't' })).toMatchObject({ token: 't' });
    expect(natsConnectionOptions({ ...base, credsFile: '/x.creds' }).authenticator).toBeTypeOf('function');
    expect(natsConnectionOptions({ ...base, tls: { caFile: '/ca.pem' } }).tls).toEqual({ caFile: '/ca.pem' });
    expect(natsConnectionOptions({ ...base, tls: {} }).tls).toBeUndefined();
  });

  it('refuses contradictory configuration', () => {
    expect(() => natsConnectionOptions({ ...base, servers: [] })).toThrow(NatsConfigError);
    expect(() => natsConnectionOptions({ ...base, token: 't', user: 'u', pass: 'p' })).toThrow(/one NATS authentication/);
    expect(() => natsConnectionOptions({ ...base, user: 'u' })).toThrow(/go together/);
  });
});

describe('connection - authenticated server', () => {
  const nats = useNats(() => startServer({ auth: { user: 'wamesh', pass: 's3cret' } }));

  it('connects with user and pass, and is refused with wrong ones', async () => {
    const nc = await connectNats({ servers: nats().urls, name: 't', user: 'wamesh', pass: 's3cret' }, silentLogger);
    expect(nc.info?.jetstream).toBe(true);
    await nc.close();
    await expect(
      connectNats({ servers: nats().urls, name: 't', user: 'wamesh', pass: 'wrong' }, silentLogger),
    ).rejects.toThrow(/Authorization/i);
  });
});
