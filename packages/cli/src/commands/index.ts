// Every wamesh command, in the order `wamesh --help` lists them. A new command is a file
// commands/<name>.ts exporting a Register (see register.ts), and its line here.
import { registerBench } from './bench.ts';
import { registerConversation } from './conversation.ts';
import { registerDev } from './dev.ts';
import { registerDlq } from './dlq.ts';
import { registerProvision } from './provision.ts';
import { registerQuarantine } from './quarantine.ts';
import { registerReceive } from './receive.ts';
import type { Register } from './register.ts';
import { registerRelay } from './relay.ts';
import { registerSimulate } from './simulate.ts';
import { registerStatus } from './status.ts';
import { registerTrace } from './trace.ts';

export const commands: Register[] = [
  registerDev,
  registerProvision,
  registerStatus,
  registerConversation,
  registerTrace,
  registerSimulate,
  registerDlq,
  registerQuarantine,
  registerRelay,
  registerReceive,
  registerBench,
];
