/**
 * Settings: disable, enable and delete the directory, each with what it means; deleting asks for
 * the directory's name to be typed.
 */
import { useState } from 'preact/hooks';
import { api, ApiError } from './api.ts';
import { ErrorNotice } from './components.tsx';
import type { DirectoryTabProps } from './directory.tsx';
import { providerLabel } from './providers.ts';
import { navigate } from './router.ts';

export function SettingsTab({ directory, session, reload }: DirectoryTabProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [confirmName, setConfirmName] = useState('');
  const idp = providerLabel(directory.provider);
  const app = session.branding.appName;
  const run = async (action: () => Promise<unknown>, after: () => void) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      after();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, 'error', 'That did not work. Try again.'));
    } finally {
      setBusy(false);
    }
  };
  if (directory.status === 'deleting') return <p class="notice notice-warning">This directory is being deleted. It disappears from the list when its users and groups are gone.</p>;
  return (
    <>
      {error === undefined ? null : <ErrorNotice error={error} />}
      <div class="card">
        {directory.status === 'active' ? (
          <>
            <h2>Disable the directory</h2>
            <p>
              {idp} can no longer send changes: its requests are refused within a minute. Users and groups stay in {app} as they are. You can enable the directory again at any
              time; {idp} then catches up on its next cycle.
            </p>
            <button type="button" class="button secondary" disabled={busy} onClick={() => run(() => api.disable(directory.id), reload)}>
              Disable directory
            </button>
          </>
        ) : (
          <>
            <h2>Enable the directory</h2>
            <p>{idp} can send changes again; its next cycle brings {app} up to date.</p>
            <button type="button" class="button" disabled={busy} onClick={() => run(() => api.enable(directory.id), reload)}>
              Enable directory
            </button>
          </>
        )}
      </div>
      <form
        class="card card-danger"
        onSubmit={(event) => {
          event.preventDefault();
          void run(() => api.remove(directory.id, confirmName), () => navigate('/'));
        }}
      >
        <h2>Delete the directory</h2>
        <p>
          Deletes the connection and every user and group {idp} provisioned into {app}. Its tokens stop working at once. This cannot be undone: to connect again you configure a new
          directory.
        </p>
        <div class="field">
          <label for="confirm-name">Type the directory name, {directory.name}, to confirm</label>
          <input id="confirm-name" type="text" autoComplete="off" value={confirmName} onInput={(event) => setConfirmName((event.currentTarget as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="button danger" disabled={busy || confirmName !== directory.name}>
          Delete directory
        </button>
      </form>
    </>
  );
}
