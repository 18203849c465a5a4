/**
 * Activity: what the identity provider did, newest first, filterable by outcome; each failure
 * explained in plain words with what the admin can do.
 */
import { useState } from 'preact/hooks';
import { clientName, describeAction, explainFailure } from '../../activity/explain.ts';
import { api, type ActivityEntry } from './api.ts';
import { formatTime, Pager, Show, useCursorPages, useLoad } from './components.tsx';
import type { DirectoryTabProps } from './directory.tsx';

const FILTERS = [
  { value: '', label: 'All activity' },
  { value: 'failure', label: 'Failures only' },
  { value: 'success', label: 'Changes only' },
] as const;

function Entry({ entry }: { entry: ActivityEntry }) {
  const explanation = explainFailure(entry);
  return (
    <li class={`activity activity-${entry.outcome}`}>
      <div class="activity-head">
        <span class={`badge badge-${entry.outcome === 'success' ? 'ok' : 'warning'}`}>{entry.outcome === 'success' ? 'Done' : `Failed (${entry.status})`}</span>
        <strong>{describeAction(entry)}</strong>
        <span class="activity-meta">
          {clientName(entry.client)} · <time dateTime={entry.at}>{formatTime(entry.at)}</time>
        </span>
      </div>
      {explanation === undefined ? null : <p>{explanation}</p>}
      {entry.detail === undefined ? null : <p class="hint">Detail: {entry.detail}</p>}
      {entry.outcome === 'failure' ? <p class="hint mono">Request id {entry.requestId}</p> : null}
    </li>
  );
}

export function ActivityTab({ directory }: DirectoryTabProps) {
  const [outcome, setOutcome] = useState('');
  const pages = useCursorPages();
  const loaded = useLoad(
    () => api.activity(directory.id, { outcome, ...(pages.cursor === undefined ? {} : { cursor: pages.cursor }) }),
    `${outcome}|${pages.cursor ?? ''}`,
  );
  return (
    <>
      <h2>Activity</h2>
      <p class="lead">Every change your identity provider made, and every request that failed, in the last 30 days. Reads are not listed one by one.</p>
      <div class="field inline">
        <label for="outcome">Show</label>
        <select
          id="outcome"
          value={outcome}
          onChange={(event) => {
            setOutcome((event.currentTarget as HTMLSelectElement).value);
            pages.reset();
          }}
        >
          {FILTERS.map((filter) => (
            <option key={filter.value} value={filter.value}>
              {filter.label}
            </option>
          ))}
        </select>
      </div>
      <Show loaded={loaded} what="activity">
        {(page) =>
          page.items.length === 0 ? (
            <p class="notice">{outcome === 'failure' ? 'No failed requests. All is well.' : 'No activity yet. It appears here as soon as your identity provider sends a change.'}</p>
          ) : (
            <>
              <ul class="activity-list">
                {page.items.map((entry) => (
                  <Entry key={`${entry.at}${entry.requestId}`} entry={entry} />
                ))}
              </ul>
              <Pager page={pages.page} hasNext={page.nextCursor !== undefined} onPrevious={pages.previous} onNext={() => page.nextCursor !== undefined && pages.next(page.nextCursor)} />
            </>
          )
        }
      </Show>
    </>
  );
}
