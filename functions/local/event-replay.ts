/**
 * The local runtime's event archive is its events file: a replay appends again, marked with
 * `replay-name` as EventBridge marks replayed events, every event of the directory whose `time`
 * lies in the window.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { replayNameOf, type EventReplayer, type StartedReplay } from '../service/event-replay.ts';

/** Most events one local replay re-sends; the events file of a laptop stays far below it. */
const MAX_LOCAL_REPLAY_EVENTS = 1_000_000;

export class LocalEventReplayer implements EventReplayer {
  readonly #eventsFile: string;

  constructor(eventsFile: string) {
    this.#eventsFile = eventsFile;
  }

  async replay(request: { directoryId: string; from: Date; to: Date }): Promise<StartedReplay> {
    const replayName = replayNameOf(request.directoryId, Date.now());
    const text = await readFile(this.#eventsFile, 'utf8').catch((error: { code?: string }) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    const replayed: string[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '' || replayed.length >= MAX_LOCAL_REPLAY_EVENTS) continue;
      const event = JSON.parse(line) as { time?: string; 'replay-name'?: string; detail?: { directoryId?: string } };
      // Replayed copies are not archived again, as in EventBridge.
      if (event['replay-name'] !== undefined || event.detail?.directoryId !== request.directoryId) continue;
      const time = Date.parse(event.time ?? '');
      if (time < request.from.getTime() || time >= request.to.getTime()) continue;
      replayed.push(JSON.stringify({ ...event, 'replay-name': replayName }));
    }
    if (replayed.length > 0) await appendFile(this.#eventsFile, `${replayed.join('\n')}\n`, { encoding: 'utf8', mode: 0o600 });
    return {
      replayName,
      directoryId: request.directoryId,
      from: request.from.toISOString(),
      to: request.to.toISOString(),
      state: 'COMPLETED',
      replayedEvents: replayed.length,
    };
  }
}
