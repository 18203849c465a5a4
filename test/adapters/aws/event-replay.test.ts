import { EventBridgeClient, StartReplayCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBridgeReplayer } from '../../../functions/adapters/aws/event-replay.ts';

const eventBridge = mockClient(EventBridgeClient);
afterEach(() => eventBridge.reset());

const ARCHIVE = 'arn:aws:events:eu-west-1:111111111111:archive/directory-events';
const BUS = 'arn:aws:events:eu-west-1:111111111111:event-bus/directory-events';

describe('EventBridgeReplayer', () => {
  it('starts a replay of the window from the archive to its bus, named after the directory', async () => {
    eventBridge.on(StartReplayCommand).resolves({ State: 'STARTING' });
    const replayer = new EventBridgeReplayer(new EventBridgeClient({ region: 'eu-west-1' }), { archiveArn: ARCHIVE, eventBusArn: BUS, now: () => 1_700_000_000_000 });
    const from = new Date('2026-11-01T00:00:00.000Z');
    const to = new Date('2026-11-02T00:00:00.000Z');
    const replay = await replayer.replay({ directoryId: 'k3J9x-dir_1', from, to });
    expect(replay).toEqual({ replayName: `scimds-k3J9x-dir_1-${(1_700_000_000_000).toString(36)}`, directoryId: 'k3J9x-dir_1', from: from.toISOString(), to: to.toISOString(), state: 'STARTING' });
    const input = eventBridge.commandCalls(StartReplayCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ ReplayName: replay.replayName, EventSourceArn: ARCHIVE, EventStartTime: from, EventEndTime: to, Destination: { Arn: BUS } });
    // EventBridge's name rule: at most 64 characters of [.\-_A-Za-z0-9].
    expect(input.ReplayName).toMatch(/^[.\-_A-Za-z0-9]{1,64}$/);
  });

  it('keeps the replay name valid for any directory id', async () => {
    eventBridge.on(StartReplayCommand).resolves({});
    const replayer = new EventBridgeReplayer(new EventBridgeClient({ region: 'eu-west-1' }), { archiveArn: ARCHIVE, eventBusArn: BUS });
    const replay = await replayer.replay({ directoryId: `${'x'.repeat(100)}/é ü`, from: new Date(0), to: new Date(1000) });
    expect(replay.replayName).toMatch(/^[.\-_A-Za-z0-9]{1,64}$/);
    expect(replay.state).toBe('STARTING');
  });
});
