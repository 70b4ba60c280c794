import type { Register } from './register.ts';

export const registerBench: Register = (program, runner) => {
  program
    .command('bench')
    .summary('where the benchmarks are: `pnpm bench`')
    .action(
      runner.action(async (ctx) => {
        ctx.io.out('Benchmarks run from the workspace root: `pnpm bench` (or `make bench`): ingress and consumer throughput.');
        return 0;
      }),
    );
};
