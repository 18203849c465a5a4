/**
 * Replaying a directory's change events from the bus archive, for a host app that missed some or
 * rebuilds its copy. The port is implemented by EventBridge in AWS (adapters/aws/event-replay.ts)
 * and by the local runtime's events file.
 */
import { ScimError } from '../core/error.ts';

/** A replay that was started. */
export interface StartedReplay {
  replayName: string;
  directoryId: string;
  from: string;
  to: string;
  /** `STARTING` in AWS; `COMPLETED` locally, where the replay is synchronous. */
  state: string;
  /** How many events were replayed, where that is known at once (locally). */
  replayedEvents?: number;
}

/** Replays one directory's events that occurred in [from, to). */
export interface EventReplayer {
  replay(request: { directoryId: string; from: Date; to: Date }): Promise<StartedReplay>;
}

/** Longest window one replay may cover: a mistyped year would otherwise replay the whole archive. */
export const MAX_REPLAY_WINDOW_MS = 90 * 24 * 60 * 60_000;

/**
 * Checks a replay window given as ISO times: `to` defaults to now, `from` must be before `to`, and
 * neither may lie in the future. Returns the window as dates.
 */
export function replayWindow(input: { from?: unknown; to?: unknown }, nowMs: number): { from: Date; to: Date } {
  const parse = (name: string, value: unknown): Date => {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value))) {
      throw ScimError.of('invalidValue', `${name} must be an ISO 8601 date and time`);
    }
    return new Date(value);
  };
  const from = parse('from', input.from);
  const to = input.to === undefined ? new Date(nowMs) : parse('to', input.to);
  if (to.getTime() > nowMs) throw ScimError.of('invalidValue', 'to must not be in the future');
  if (from.getTime() >= to.getTime()) throw ScimError.of('invalidValue', 'from must be before to');
  if (to.getTime() - from.getTime() > MAX_REPLAY_WINDOW_MS) throw ScimError.of('invalidValue', 'A replay covers at most 90 days; split it');
  return { from, to };
}

/** A replay name EventBridge accepts (64 characters of `[.\-_A-Za-z0-9]`), naming the directory. */
export function replayNameOf(directoryId: string, nowMs: number): string {
  const safeId = directoryId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40);
  return `scimds-${safeId}-${nowMs.toString(36)}`;
}
