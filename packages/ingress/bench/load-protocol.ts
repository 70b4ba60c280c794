// What the bench hands the load generator (argv[2], JSON) and what it prints back on stdout.

export interface LoadOptions {
  url: string;
  connections: number;
  warmupSec: number;
  durationSec: number;
  /** Requests per second, evenly spaced; unset = as fast as the server answers. */
  rate?: number;
  /** Expected requests per second without a rate, to size the body pool. */
  expectedRps: number;
  runId: string;
  eventsPerRequest: number;
  secret: string;
  /** Paced only: list the requests answered 200 (LoadResult.accepted). */
  reportAccepted?: boolean;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** CPU this load generator spent in the measured part (µs): what the shared machine gave it. */
  cpuMicros: number;
  /** Paced only: measured requests answered 200 and 503, the p99 of the 200s alone (ms). */
  ok?: number;
  status503?: number;
  okP99?: number;
  okP99FromSend?: number;
  /** Paced with reportAccepted: ranks of the bodies answered 200 (body i of the run), warm-up included. */
  accepted?: number[];
}

/** The line printed as the measured part begins. */
export const MEASURING = 'measuring';
