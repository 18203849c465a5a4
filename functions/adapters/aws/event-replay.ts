/**
 * Event replay from the bus archive with EventBridge's StartReplay.
 *
 * EventBridge replays an archive by time window and destination rules, not by event content, so
 * the replay re-sends every event of the window; its name starts with `scimds-<directoryId>-`, and
 * replayed events carry that name as `replay-name`, so a rule made for the replay matches
 * `{"replay-name": [{"prefix": "scimds-<directoryId>-"}], "detail": {"directoryId": ["<directoryId>"]}}`
 * (docs/host-api.md). Consumers that follow the recipe drop what they already have by `version`.
 */
import { StartReplayCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { replayNameOf, type EventReplayer, type StartedReplay } from '../../service/event-replay.ts';

export class EventBridgeReplayer implements EventReplayer {
  readonly #client: EventBridgeClient;
  readonly #archiveArn: string;
  readonly #eventBusArn: string;
  readonly #now: () => number;

  constructor(client: EventBridgeClient, options: { archiveArn: string; eventBusArn: string; now?: () => number }) {
    this.#client = client;
    this.#archiveArn = options.archiveArn;
    this.#eventBusArn = options.eventBusArn;
    this.#now = options.now ?? Date.now;
  }

  async replay(request: { directoryId: string; from: Date; to: Date }): Promise<StartedReplay> {
    const replayName = replayNameOf(request.directoryId, this.#now());
    const output = await this.#client.send(
      new StartReplayCommand({
        ReplayName: replayName,
        Description: `Events of directory ${request.directoryId.slice(0, 128)}`,
        EventSourceArn: this.#archiveArn,
        EventStartTime: request.from,
        EventEndTime: request.to,
        Destination: { Arn: this.#eventBusArn },
      }),
    );
    return {
      replayName,
      directoryId: request.directoryId,
      from: request.from.toISOString(),
      to: request.to.toISOString(),
      state: output.State ?? 'STARTING',
    };
  }
}
