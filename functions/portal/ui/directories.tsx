/**
 * The Directory Sync tab: the organization's directories, and the provider list that starts a new
 * one ("Add directory" → pick a provider → Configure).
 */
import { useState } from 'preact/hooks';
import { api, ApiError, type PortalDirectory, type PortalMintedToken, type SessionInfo } from './api.ts';
import { ErrorNotice, plural, Show, timeAgo, useLoad } from './components.tsx';
import { directoryHref, navigate } from './router.ts';
import { PROVIDERS, providerLabel, type ProviderId } from './providers.ts';

/** Tokens minted in this page's life, by directory id: shown once, gone on reload. */
export const freshTokens = new Map<string, PortalMintedToken>();

/** How the directory's connection looks: waiting, connected, or a warning. */
export function connectionState(directory: PortalDirectory, staleAfterMinutes: number, nowMs = Date.now()): { tone: 'waiting' | 'ok' | 'warning'; text: string } {
  const idp = providerLabel(directory.provider);
  const { lastRequestAt, lastFailureAt } = directory.requests;
  if (directory.status === 'disabled') return { tone: 'warning', text: `Disabled — requests from ${idp} are refused` };
  if (directory.status === 'deleting') return { tone: 'warning', text: 'Being deleted' };
  if (lastRequestAt === undefined) return { tone: 'waiting', text: `Waiting for the first request from ${idp}` };
  const ago = timeAgo(lastRequestAt, nowMs);
  if (lastFailureAt !== undefined && Date.parse(lastFailureAt) >= Date.parse(lastRequestAt) - 60_000) {
    return { tone: 'warning', text: `Connected — but the last request failed (${timeAgo(lastFailureAt, nowMs)}). See Activity.` };
  }
  if (nowMs - Date.parse(lastRequestAt) > staleAfterMinutes * 60_000) {
    return { tone: 'warning', text: `No request from ${idp} for ${ago.replace(' ago', '')} — check that provisioning is on` };
  }
  return { tone: 'ok', text: `Connected — last request ${ago}` };
}

export function ConnectionBadge({ directory, session }: { directory: PortalDirectory; session: SessionInfo }) {
  const state = connectionState(directory, session.staleAfterMinutes);
  return <span class={`badge badge-${state.tone}`}>{state.text}</span>;
}

function ProviderPicker({ session, onCancel }: { session: SessionInfo; onCancel?: () => void }) {
  const [provider, setProvider] = useState<ProviderId | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const configure = async (event: Event) => {
    event.preventDefault();
    if (provider === undefined) {
      setError(new ApiError(400, 'invalidInput', 'Choose your identity provider first.'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const configured = await api.configure(provider);
      if (configured.token !== undefined) freshTokens.set(configured.directory.id, configured.token);
      navigate(`/directories/${encodeURIComponent(configured.directory.id)}`);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, 'error', 'Configuring failed. Try again.'));
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={configure}>
      {error === undefined ? null : <ErrorNotice error={error} />}
      <fieldset>
        <legend>Which identity provider does your organization use?</legend>
        <div class="providers">
          {PROVIDERS.map((item) => (
            <label class={`provider${provider === item.id ? ' selected' : ''}`} key={item.id}>
              <input type="radio" name="provider" value={item.id} checked={provider === item.id} onChange={() => setProvider(item.id)} />
              <span class="provider-name">{item.label}</span>
              <span class="provider-summary">{item.summary}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <p class="hint">Configure creates the connection for {session.branding.appName} and shows the Endpoint URL and Bearer token to paste into your identity provider.</p>
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {busy ? 'Configuring…' : 'Configure'}
        </button>
        {onCancel === undefined ? null : (
          <button type="button" class="button secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

/** `#/add`: the provider list on its own. */
export function AddDirectory({ session }: { session: SessionInfo }) {
  return (
    <>
      <h1 tabIndex={-1}>Add a directory</h1>
      <p class="lead">Connect your identity provider so that {session.branding.appName} learns who has access, and keeps up when people join, move or leave.</p>
      <ProviderPicker session={session} onCancel={() => navigate('/')} />
    </>
  );
}

function DirectoryTable({ directories, session }: { directories: PortalDirectory[]; session: SessionInfo }) {
  return (
    <table class="table">
      <caption class="visually-hidden">Your directories</caption>
      <thead>
        <tr>
          <th scope="col">Directory</th>
          <th scope="col">Provider</th>
          <th scope="col">Users with access</th>
          <th scope="col">Groups</th>
          <th scope="col">Connection</th>
        </tr>
      </thead>
      <tbody>
        {directories.map((directory) => (
          <tr key={directory.id}>
            <td>
              <a href={directoryHref(directory.id)}>{directory.name}</a>
            </td>
            <td>{providerLabel(directory.provider)}</td>
            <td>
              {directory.counts.activeUsers.toLocaleString('en')} of {directory.counts.users.toLocaleString('en')}
            </td>
            <td>{directory.counts.groups.toLocaleString('en')}</td>
            <td>
              <ConnectionBadge directory={directory} session={session} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** `#/`: the Directory Sync tab. */
export function DirectoryList({ session }: { session: SessionInfo }) {
  const loaded = useLoad(() => api.directories(), 'directories');
  return (
    <>
      <h1 tabIndex={-1}>Directory Sync</h1>
      <Show loaded={loaded} what="your directories">
        {({ items }) =>
          items.length === 0 ? (
            <>
              <p class="lead">
                Connect your identity provider to {session.branding.appName}. People you assign there get access here, and lose it when they leave.
              </p>
              <ProviderPicker session={session} />
            </>
          ) : (
            <>
              <p class="lead">{plural(items.length, 'directory is', 'directories are')} connected to {session.branding.appName}.</p>
              <DirectoryTable directories={items} session={session} />
              <div class="actions">
                <a class="button" href="#/add">
                  Add directory
                </a>
              </div>
            </>
          )
        }
      </Show>
    </>
  );
}
