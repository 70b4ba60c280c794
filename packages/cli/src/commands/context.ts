import type { CliEnv } from '../env.ts';
import type { Io } from '../io.ts';
import { wameshHome } from '../paths.ts';
import { colour, plain, type Style } from '../view/style.ts';

/** What every command gets: parsed environment, output, and where `.wamesh/` is. */
export interface Context {
  env: CliEnv;
  io: Io;
  home(flag?: string): string;
  style(): Style;
}

export function makeContext(env: CliEnv, io: Io): Context {
  return {
    env,
    io,
    home: (flag) => wameshHome(flag ?? env.WAMESH_HOME),
    style: () => (io.outTTY && env.NO_COLOR === undefined ? colour : plain),
  };
}
