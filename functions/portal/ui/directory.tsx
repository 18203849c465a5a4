/**
 * One directory: its header and connection state, and the tabs Setup, Users, Groups, Activity
 * and Settings.
 */
import { api, type PortalDirectory, type SessionInfo } from './api.ts';
import { ActivityTab } from './activity.tsx';
import { plural, Show, useLoad } from './components.tsx';
import { ConnectionBadge } from './directories.tsx';
import { GroupsTab, UsersTab } from './people.tsx';
import { providerLabel } from './providers.ts';
import { directoryHref } from './router.ts';
import { SettingsTab } from './settings.tsx';
import { SetupTab } from './setup.tsx';

const TABS = [
  { id: 'setup', label: 'Setup' },
  { id: 'users', label: 'Users' },
  { id: 'groups', label: 'Groups' },
  { id: 'activity', label: 'Activity' },
  { id: 'settings', label: 'Settings' },
] as const;

type TabId = (typeof TABS)[number]['id'];

export interface DirectoryTabProps {
  session: SessionInfo;
  directory: PortalDirectory;
  /** Loads the directory again (after a change). */
  reload: () => void;
  /** Path below the tab, e.g. a user id. */
  path: string[];
}

function TabBody({ tab, ...props }: DirectoryTabProps & { tab: TabId }) {
  switch (tab) {
    case 'users':
      return <UsersTab {...props} />;
    case 'groups':
      return <GroupsTab {...props} />;
    case 'activity':
      return <ActivityTab {...props} />;
    case 'settings':
      return <SettingsTab {...props} />;
    default:
      return <SetupTab {...props} />;
  }
}

export function DirectoryView({ session, directoryId, path }: { session: SessionInfo; directoryId: string; path: string[] }) {
  const [tabName, ...rest] = path;
  const tab: TabId = TABS.some((candidate) => candidate.id === tabName) ? (tabName as TabId) : 'setup';
  const loaded = useLoad(() => api.directory(directoryId), `directory:${directoryId}:${tab}`);
  return (
    <>
      <p class="breadcrumb">
        <a href="#/">Directory Sync</a> <span aria-hidden="true">›</span>
      </p>
      <Show loaded={loaded} what="the directory">
        {(directory) => (
          <>
            <div class="title-row">
              <h1 tabIndex={-1}>{directory.name}</h1>
              <ConnectionBadge directory={directory} session={session} />
            </div>
            <p class="subtitle">
              {providerLabel(directory.provider)} · {directory.counts.activeUsers.toLocaleString('en')} of {plural(directory.counts.users, 'user', 'users')} {directory.counts.activeUsers === 1 ? 'has' : 'have'} access ·{' '}
              {plural(directory.counts.groups, 'group', 'groups')}
            </p>
            <nav class="subtabs" aria-label="Directory sections">
              {TABS.map((item) => (
                <a key={item.id} class="subtab" href={directoryHref(directory.id, item.id)} aria-current={item.id === tab ? 'page' : undefined}>
                  {item.label}
                </a>
              ))}
            </nav>
            <section class="tab-body">
              <TabBody tab={tab} session={session} directory={directory} reload={loaded.reload} path={rest} />
            </section>
          </>
        )}
      </Show>
    </>
  );
}
