/**
 * Plain-text tables of the bench results, for the terminal and for pasting into docs.
 */
import type { BundleSize } from './bundles.ts';
import type { CapacityRuleCheck } from './calibration.ts';
import type { MixCost } from './cost.ts';
import type { EntraCycleResult } from './entra-cycle.ts';
import type { ColdStartResults } from './cold-start.ts';
import type { DirectoryScaleResults } from './scale-directory.ts';
import type { MeasuredOperation } from './operations.ts';
import type { ScaleResults } from './scale.ts';

/** A table with a header row, columns padded to their widest cell; `right` columns align right. */
export function table(header: string[], rows: string[][], right: ReadonlySet<number> = new Set()): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, column) => (right.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

const num = (value: number | undefined, digits = 1) => (value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits));
const units = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Runs of the same command collapsed: GetItem, GetItem, Query → 2×GetItem + Query. */
export function commandSummary(commands: readonly string[]): string {
  const runs: Array<[string, number]> = [];
  for (const command of commands) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0] === command) last[1]++;
    else runs.push([command, 1]);
  }
  return runs.map(([command, count]) => (count === 1 ? command : `${count}×${command}`)).join(' + ');
}

export function operationsTable(operations: readonly MeasuredOperation[]): string {
  return table(
    ['operation', 'request', 'trips', 'RCU', 'WCU', '(Local)', 'median ms', 'p95 ms', 'DynamoDB requests'],
    operations.map((operation) => [
      operation.name,
      operation.request,
      operation.roundTrips.min === operation.roundTrips.max ? String(operation.roundTrips.median) : `${operation.roundTrips.min}-${operation.roundTrips.max}`,
      units(operation.readUnits),
      units(operation.writeUnits),
      units(operation.localWriteUnits),
      num(operation.latency.medianMs),
      num(operation.latency.p95Ms),
      commandSummary(operation.commands),
    ]),
    new Set([2, 3, 4, 5, 6, 7]),
  );
}

/** The checks of a scale comparison, one row each. */
function checksTable(checks: ScaleResults['checks']): string {
  return table(
    ['check', 'trips L/S', 'RCU L/S', 'WCU L/S', 'latency ratio', 'cost equal'],
    checks.map((check) => [
      check.name,
      `${check.large.roundTrips.median}/${check.small.roundTrips.median}`,
      `${units(check.large.readUnits)}/${units(check.small.readUnits)}`,
      `${units(check.large.writeUnits)}/${units(check.small.writeUnits)}`,
      `${num(check.ratios.medianLatency, 2)}×`,
      check.equalCost ? 'yes' : check.enforced ? 'NO' : 'no (expected)',
    ]),
    new Set([1, 2, 3, 4]),
  );
}

export function scaleTable(scale: ScaleResults): string {
  const checks = checksTable(scale.checks);
  const notes = scale.checks.flatMap((check) => (check.note === undefined ? [] : [`  ${check.name}: ${check.note}`]));
  const trips = scale.walk.pages.map((page) => page.roundTrips);
  const reads = scale.walk.pages.map((page) => page.readUnits);
  const walk =
    `Sequential walk startIndex=1..${scale.walk.pages.at(-1)?.startIndex ?? 0} (count=100): round trips ${Math.min(...trips)}-${Math.max(...trips)}, ` +
    `RCU ${units(Math.min(...reads))}-${units(Math.max(...reads))} per page.\n` +
    `Jump straight to startIndex=${scale.walk.jump.startIndex} with no page before it: ${scale.walk.jump.roundTrips} round trips, ${units(scale.walk.jump.readUnits)} RCU.`;
  return [checks, ...notes, walk].join('\n');
}

export function bundlesTable(bundles: readonly BundleSize[]): string {
  return table(
    ['handler', 'minified', 'vs 250 KiB', 'project limit', 'AWS SDK', 'Powertools+middy', 'zod', 'project code', 'other'],
    bundles.map((bundle) => [
      bundle.handler,
      kib(bundle.bytes),
      `${((bundle.bytes / bundle.budgetBytes) * 100).toFixed(0)}%${bundle.bytes > bundle.budgetBytes ? ' OVER' : ''}`,
      bundle.projectLimitBytes === undefined ? '-' : kib(bundle.projectLimitBytes),
      kib(bundle.parts['aws-sdk']),
      kib(bundle.parts['powertools+middy']),
      kib(bundle.parts.zod),
      kib(bundle.parts.project),
      kib(bundle.parts.other),
    ]),
    new Set([1, 2, 3, 4, 5, 6, 7, 8]),
  );
}

export function costTable(costs: readonly MixCost[]): string {
  const dollars = (value: number) => `$${value.toFixed(2)}`;
  return table(
    ['mix', 'RCU/req', 'WCU/req', 'DynamoDB', '(upper)', '(pre-Nov-2024)', 'Lambda', 'API Gateway', 'total per 1M'],
    costs.map((cost) => [
      cost.name,
      cost.readUnitsPerRequest.toFixed(2),
      cost.writeUnitsPerRequest.toFixed(2),
      dollars(cost.dynamoDb),
      dollars(cost.dynamoDbIfMissingKeysBilled),
      dollars(cost.dynamoDbAtPreviousPrices),
      dollars(cost.lambda),
      dollars(cost.apiGateway),
      dollars(cost.total),
    ]),
    new Set([1, 2, 3, 4, 5, 6, 7, 8]),
  );
}

export function calibrationTable(checks: readonly CapacityRuleCheck[]): string {
  return table(
    ['DynamoDB capacity rule', 'expected', 'bench', 'DynamoDB Local', 'ok'],
    checks.map((check) => [check.rule, units(check.expected), units(check.measured), units(check.localReported), check.ok ? 'yes' : 'NO']),
    new Set([1, 2, 3]),
  );
}

/** `{ GetItem: 500, TransactWriteItems: 500 }` → `500 GetItem + 500 TransactWriteItems`. */
function commandCounts(byCommand: Record<string, number>): string {
  return Object.entries(byCommand)
    .map(([command, count]) => `${count} ${command}`)
    .join(' + ');
}

export function entraCycleTable(cycle: EntraCycleResult): string {
  const ratio = (value: number) => value.toFixed(2);
  const kinds = table(
    ['SCIM request', 'kind', 'SCIM', 'DynamoDB', 'per SCIM', 'RCU/req', 'WCU/req', '(Local)', 'DynamoDB requests'],
    [
      ...cycle.kinds.map((kind) => [
        kind.name,
        kind.kind,
        String(kind.scimRequests),
        String(kind.dynamoDbRequests),
        ratio(kind.dynamoDbRequestsPerScimRequest),
        ratio(kind.readUnitsPerRequest),
        ratio(kind.writeUnitsPerRequest),
        ratio(kind.localWriteUnitsPerRequest),
        commandCounts(kind.byCommand),
      ]),
      [
        'whole cycle',
        '',
        String(cycle.scimRequests),
        String(cycle.dynamoDbRequests),
        ratio(cycle.dynamoDbRequestsPerScimRequest),
        ratio(cycle.readUnitsPerRequest),
        ratio(cycle.writeUnitsPerRequest),
        ratio(cycle.localWriteUnitsPerRequest),
        commandCounts(cycle.byCommand),
      ],
    ],
    new Set([2, 3, 4, 5, 6, 7]),
  );
  const { expected, found } = cycle.counts;
  const counts = `Stored afterwards (Query): ${found.users} users, ${found.groups} groups, ${found.memberships} memberships; counters ${found.counters.users} users (${found.counters.activeUsers} active), ${found.counters.groups} groups: ${
    cycle.counts.exact ? 'exact' : `NOT EXACT, expected ${JSON.stringify(expected)}`
  }.`;
  const targets =
    `Targets: <= ${cycle.targets.dynamoDbRequestsPerScimRequest} DynamoDB requests per SCIM request over the cycle (${cycle.targets.met.cycle ? 'met' : 'not met'}), ` +
    `member add = ${cycle.targets.memberAddDynamoDbRequests} (${cycle.targets.met.memberAdd ? 'met' : 'not met'}), ` +
    `<= ${cycle.targets.writeUnitsPerScimRequest} WCU per SCIM request (${cycle.targets.met.writeUnits ? 'met' : 'not met'}).`;
  const speed = `${cycle.scimRequestsPerSecond} SCIM requests/s over ${(cycle.durationMs / 1000).toFixed(1)} s, ${cycle.shape.concurrency} at a time (the meter's item-size reads included; a ratio within this run only).`;
  return [kinds, counts, targets, speed, ...cycle.failures.map((failure) => `  ${failure}`)].join('\n');
}

export function directoryScaleTable(scale: DirectoryScaleResults): string {
  const { large, small } = scale.loads;
  const loads = [large, small].map(
    (load) =>
      `Seeded ${load.users} users, ${load.groupMembers} in one group, in ${load.seconds.toFixed(1)} s (${load.itemsPerSecond} items/s); ` +
      `counters: ${load.countersUsers} users.`,
  );
  return [
    ...loads,
    `L = ${scale.shape.largeUsers} users, group of ${scale.shape.largeGroupMembers}; S = ${scale.shape.smallUsers} users, group of ${scale.shape.smallGroupMembers}. DynamoDB Local heap ${scale.dynamoDbHeapMb} MiB.`,
    checksTable(scale.checks),
    ...scale.problems.map((problem) => `  ${problem}`),
  ].join('\n');
}

export function coldStartTable(cold: ColdStartResults): string {
  const rows = cold.results.map((result) => [
    result.handler,
    kib(result.bytes),
    result.processMedianMs.toFixed(1),
    `${result.processRatio.toFixed(2)}×`,
    result.processCpuMs.toFixed(1),
    `${result.processCpuRatio.toFixed(2)}×`,
    result.importMedianMs.toFixed(1),
    `${result.importRatio.toFixed(2)}×`,
    result.nodeOptions.join(' ') || 'none',
    result.api ? (result.processRatio <= cold.targetRatio ? 'met' : 'not met') : '',
  ]);
  return [
    table(['bundle', 'size', 'process ms', 'vs empty', 'process CPU ms', 'vs empty', 'import ms', 'vs empty', 'node options', `wall <= ${cold.targetRatio}×`], rows, new Set([1, 2, 3, 4, 5, 6, 7])),
    `Node ${cold.node}, each bundle with its function's node options, ${cold.rounds} alternating rounds; ratios are medians of per-round ratios (noisy milliseconds, compare the ratios).`,
  ].join('\n');
}
