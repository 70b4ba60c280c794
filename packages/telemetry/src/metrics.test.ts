import { describe, expect, it } from 'vitest';
import { Counter, createMetrics } from './metrics.ts';

describe('metrics - a registry per service', () => {
  it('renders the service metrics labelled with service and region, plus process metrics', async () => {
    const metrics = createMetrics({ service: 'wamesh-test', region: 'us-east' });
    const c = new Counter({ name: 'wamesh_test_total', help: 'test', labelNames: ['kind'], registers: [metrics.registry] });
    c.inc({ kind: 'msg' }, 3);
    const text = await metrics.render();
    expect(metrics.contentType).toContain('text/plain');
    expect(text).toContain('wamesh_test_total{kind="msg",service="wamesh-test",region="us-east"} 3');
    expect(text).toContain('wamesh_process_cpu_user_seconds_total');
  });

  it('two registries never share metrics', async () => {
    const a = createMetrics({ service: 'a', region: 'r', defaultMetrics: false });
    const b = createMetrics({ service: 'b', region: 'r', defaultMetrics: false });
    new Counter({ name: 'only_in_a', help: 'x', registers: [a.registry] }).inc();
    expect(await b.render()).not.toContain('only_in_a');
  });
});
