/**
 * Setup: the Endpoint URL and Bearer token with copy buttons, the token card (shown once, then
 * masked, with "Generate a new token" and "Revoke"), and the provider's setup steps with both
 * values written in.
 */
import { useState } from 'preact/hooks';
import { api, ApiError, type PortalMintedToken, type PortalTokenView } from './api.ts';
import { CopyField, ErrorNotice, formatTime } from './components.tsx';
import type { DirectoryTabProps } from './directory.tsx';
import { connectionState, freshTokens } from './directories.tsx';
import { FIELD_NAMES, providerLabel, setupSteps, type ProviderId } from './providers.ts';

function isLive(token: PortalTokenView): boolean {
  return token.state === 'active' || token.state === 'expiring';
}

function TokenCard({ directory, reload }: DirectoryTabProps) {
  const [fresh, setFresh] = useState<PortalMintedToken | undefined>(() => freshTokens.get(directory.id));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [message, setMessage] = useState('');
  const live = directory.tokens.filter(isLive);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, 'error', 'That did not work. Try again.'));
    } finally {
      setBusy(false);
    }
  };
  const rotate = () =>
    run(async () => {
      const { token } = await api.rotate(directory.id);
      freshTokens.set(directory.id, token);
      setFresh(token);
      setMessage(live.length > 0 ? 'New token generated. The previous token keeps working for 7 days, so you have time to update your identity provider.' : 'New token generated.');
      reload();
    });
  const revoke = (token: PortalTokenView) =>
    run(async () => {
      if (!window.confirm('Revoke this token? Your identity provider can no longer send changes with it, within a minute.')) return;
      await api.revoke(directory.id, token.tokenId);
      if (fresh?.tokenId === token.tokenId) {
        freshTokens.delete(directory.id);
        setFresh(undefined);
      }
      setMessage('Token revoked.');
      reload();
    });
  const names = FIELD_NAMES[directory.provider as ProviderId] ?? FIELD_NAMES.generic;
  return (
    <div class="card">
      <h2>Connection details</h2>
      {error === undefined ? null : <ErrorNotice error={error} />}
      <CopyField label="Endpoint URL" value={directory.tenantUrl} hint={`Paste it into ${providerLabel(directory.provider)} as the ${names.url}.`} />
      {fresh !== undefined ? (
        <div class="token-fresh">
          <CopyField label="Bearer token" value={fresh.token} hint={`Paste it as the ${names.token}. It is shown only now: copy it before you leave this page.`} />
        </div>
      ) : null}
      <h3>Tokens</h3>
      {directory.tokens.length === 0 ? <p>No token yet. Generate one to connect your identity provider.</p> : null}
      <ul class="tokens">
        {directory.tokens.map((token) => (
          <li key={token.tokenId} class="token">
            <span class="mono">{token.masked}</span>
            <span class={`badge badge-${isLive(token) ? 'ok' : 'muted'}`}>{token.state === 'expiring' ? `expires ${formatTime(token.expiresAt)}` : token.state}</span>
            <span class="token-meta">
              Created {formatTime(token.createdAt)} · {token.lastUsedAt === undefined ? 'not used yet' : `last used ${formatTime(token.lastUsedAt)}`}
            </span>
            {isLive(token) ? (
              <button type="button" class="button danger small" disabled={busy} onClick={() => revoke(token)} aria-label={`Revoke token ${token.masked}, created ${formatTime(token.createdAt)}`}>
                Revoke
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      <p class="copied" aria-live="polite">
        {message}
      </p>
      <div class="actions">
        <button type="button" class="button secondary" disabled={busy || live.length >= 2 || directory.status !== 'active'} onClick={rotate}>
          Generate a new token
        </button>
        {live.length >= 2 ? <span class="hint">Two tokens are live: revoke the one your identity provider no longer uses first.</span> : null}
      </div>
    </div>
  );
}

function Steps({ directory, session }: DirectoryTabProps) {
  const fresh = freshTokens.get(directory.id);
  const steps = setupSteps(directory.provider as ProviderId, session.branding.appName);
  const fill = (line: string) =>
    line.split(/(\{url\}|\{token\})/).map((part, index) =>
      part === '{url}' ? (
        <code key={index}>{directory.tenantUrl}</code>
      ) : part === '{token}' ? (
        <code key={index}>{fresh?.token ?? 'the Bearer token above (generate a new one if you no longer have it)'}</code>
      ) : (
        part
      ),
    );
  return (
    <div class="card">
      <h2>Set up {providerLabel(directory.provider)}</h2>
      <ol class="steps">
        {steps.map((step) => (
          <li key={step.title}>
            <h3>{step.title}</h3>
            {step.lines.map((line, index) => (
              <p key={index}>{fill(line)}</p>
            ))}
          </li>
        ))}
      </ol>
    </div>
  );
}

export function SetupTab(props: DirectoryTabProps) {
  const state = connectionState(props.directory, props.session.staleAfterMinutes);
  return (
    <>
      <div class={`notice notice-${state.tone}`} role="status">
        <p>{state.text}</p>
        {state.tone === 'waiting' ? <p class="hint">Finish the steps below, then choose Provision on demand (or wait for the first cycle, up to 40 minutes).</p> : null}
      </div>
      <TokenCard {...props} />
      <Steps {...props} />
    </>
  );
}
