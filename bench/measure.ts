/**
 * One measured SCIM request: its DynamoDB round trips and capacity (from the meter) and its
 * wall-clock latency (from the client), and the summary of many such samples.
 */
import { CapacityMeter, type MeterTotals } from './capacity-meter.ts';
import type { BenchScimClient } from './scim-client.ts';
import { median, summarizeLatency, type LatencySummary } from './stats.ts';

/** A request as the bench sends it; `path` is relative to the Tenant URL. */
export interface BenchRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
}

export interface Sample extends MeterTotals {
  latencyMs: number;
  status: number;
  /** The response body, for scenarios that need something from it (a cursor, an id). */
  body: unknown;
}

export class UnexpectedStatusError extends Error {
  override readonly name = 'UnexpectedStatusError';
}

/**
 * Sends one request and returns what it cost. Nothing else may use the metered client while
 * this runs (the bench is sequential), so every request the meter sees belongs to this one.
 */
export async function measureRequest(meter: CapacityMeter, client: BenchScimClient, request: BenchRequest, expectedStatus: number): Promise<Sample> {
  meter.take();
  meter.takeOverheadMs();
  const reply = await client.send(request.method, request.path, request.body);
  const totals = CapacityMeter.totals(meter.take());
  // The meter's own item-size reads happened inside this request; a real one does not make them.
  const latencyMs = reply.elapsedMs - meter.takeOverheadMs();
  if (reply.status !== expectedStatus) {
    throw new UnexpectedStatusError(`${request.method} ${request.path} answered ${reply.status}, expected ${expectedStatus}: ${JSON.stringify(reply.body)}`);
  }
  return { ...totals, latencyMs, status: reply.status, body: reply.body };
}

/** What the bench reports for one operation. */
export interface OperationResult {
  name: string;
  iterations: number;
  /** DynamoDB round trips per request: median and range over the iterations. */
  roundTrips: { median: number; min: number; max: number };
  /** The commands of the first measured request, in order (e.g. GetItem, TransactWriteItems). */
  commands: string[];
  /**
   * Median read / write capacity units per request: as DynamoDB Local reported them, except
   * transactions' write units, computed from item sizes (see capacity-meter.ts).
   */
  readUnits: number;
  writeUnits: number;
  /** Median write units as DynamoDB Local reported them, for comparison. */
  localWriteUnits: number;
  /** Median BatchGetItem keys per request that matched no item (see docs/benchmarks.md). */
  missingKeys: number;
  /** Requests whose response carried no ConsumedCapacity (expected 0). */
  unreported: number;
  latency: LatencySummary;
}

export function summarizeSamples(name: string, samples: readonly Sample[]): OperationResult {
  const first = samples[0];
  if (first === undefined) throw new Error(`no samples for ${name}`);
  const trips = samples.map((sample) => sample.roundTrips);
  return {
    name,
    iterations: samples.length,
    roundTrips: { median: median(trips), min: Math.min(...trips), max: Math.max(...trips) },
    commands: first.commands,
    readUnits: median(samples.map((sample) => sample.readUnits)),
    writeUnits: median(samples.map((sample) => sample.writeUnits)),
    localWriteUnits: median(samples.map((sample) => sample.localWriteUnits)),
    missingKeys: median(samples.map((sample) => sample.missingKeys)),
    unreported: samples.reduce((sum, sample) => sum + sample.unreported, 0),
    latency: summarizeLatency(samples.map((sample) => sample.latencyMs)),
  };
}
