// Public surface of @wamesh/cli: the command runner and what other tools may reuse.
export { runCli } from './cli.ts';
export { CliError, type CliErrorCode } from './errors.ts';
export { type DevState, readDevState, stateFile } from './state.ts';
export { formatTrace, traceReport, type TraceReport, type TraceRow } from './view/trace.ts';
export { buildScenario, type Scenario, type ScenarioOptions } from './simulate/scenario.ts';
