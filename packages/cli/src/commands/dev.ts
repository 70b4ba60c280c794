import { bool, int, parse, regionList, str } from '../args.ts';
import { inheritedEnv } from '../env.ts';
import { CliError } from '../errors.ts';
import { type DevConfig, MAX_REGIONS } from '../dev/plan.ts';
import { runDev } from '../dev/front.ts';
import type { Context } from './context.ts';

export const devUsage = `wamesh dev [options]      run a local multi-region mesh until Ctrl-C
  --regions a,b,c     regions (default us-east,eu-west,ap-south), one nats-server each
  --shards N          shards per region (default 16)
  --port-base P       ingress P+i, consumer health P+10+i, NATS from P+100 (default 8080)
  --app-secret S      app secret the ingress verifies signatures with (default wamesh-dev-secret)
  --verify-token T    webhook verify token (default wamesh-dev-token)
  --store kv|mongo    state store (default mongo when MONGODB_URI is set, else kv)
  --home DIR          data, logs and state file (default <project>/.wamesh)`;

export async function devCommand(argv: string[], ctx: Context): Promise<number> {
  const p = parse('dev', argv, {
    regions: { type: 'string', multiple: true },
    region: { type: 'string', multiple: true },
    shards: { type: 'string' },
    'port-base': { type: 'string' },
    'app-secret': { type: 'string' },
    'verify-token': { type: 'string' },
    store: { type: 'string' },
    home: { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (bool(p, 'help')) {
    ctx.io.out(devUsage);
    return 0;
  }
  if (p.positionals.length) throw new CliError('USAGE', `wamesh dev: unexpected argument "${p.positionals[0]}"`);
  const regions = regionList(p, p.values.regions ? 'regions' : 'region', ['us-east', 'eu-west', 'ap-south']);
  if (regions.length > MAX_REGIONS) throw new CliError('USAGE', `wamesh dev: at most ${MAX_REGIONS} regions`);
  const store = str(p, 'store') ?? (ctx.env.MONGODB_URI ? 'mongo' : 'kv');
  if (store !== 'kv' && store !== 'mongo') throw new CliError('USAGE', '--store is kv or mongo');
  if (store === 'mongo' && !ctx.env.MONGODB_URI) {
    throw new CliError('USAGE', 'wamesh dev --store mongo needs MONGODB_URI (a replica set, e.g. mongodb://127.0.0.1:27017/?replicaSet=rs0)');
  }
  const cfg: DevConfig = {
    home: ctx.home(str(p, 'home')),
    regions,
    shards: int(p, 'shards', 16, 1, 4096),
    portBase: int(p, 'port-base', 8080, 1024, 61_000),
    appSecret: str(p, 'app-secret') ?? 'wamesh-dev-secret',
    verifyToken: str(p, 'verify-token') ?? 'wamesh-dev-token',
    store,
    mongoDb: ctx.env.MONGODB_DB,
    natsBin: ctx.env.NATS_SERVER_BIN,
    logLevel: str(p, 'log-level') ?? ctx.env.LOG_LEVEL,
    baseEnv: inheritedEnv(),
  };
  if (store === 'mongo' && ctx.env.MONGODB_URI) cfg.mongoUri = ctx.env.MONGODB_URI;
  return runDev(cfg, ctx.io);
}
