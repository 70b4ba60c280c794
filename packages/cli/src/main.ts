#!/usr/bin/env node
import { runCli } from './cli.ts';

// Exit explicitly: a keep-alive socket must not hold a finished command open
// (stdout and stderr are synchronous on Linux pipes, files and terminals).
runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
