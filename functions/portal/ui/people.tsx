/**
 * Users and Groups: searchable, paged lists, a user's detail, and a group's members (paged, so a
 * 50,000-member group opens as fast as a small one).
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, type PortalGroup, type PortalPage, type PortalUser } from './api.ts';
import { formatTime, Pager, plural, Show, useCursorPages, useLoad } from './components.tsx';
import type { DirectoryTabProps } from './directory.tsx';
import { providerLabel } from './providers.ts';
import { directoryHref } from './router.ts';

function SearchBox({ label, onSearch }: { label: string; onSearch: (text: string) => void }) {
  const [text, setText] = useState('');
  return (
    <form
      class="search"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        onSearch(text.trim());
      }}
    >
      <label for="search">{label}</label>
      <input id="search" type="search" value={text} onInput={(event) => setText((event.currentTarget as HTMLInputElement).value)} />
      <button type="submit" class="button secondary">
        Search
      </button>
    </form>
  );
}

function emptyWords(directory: DirectoryTabProps['directory'], what: 'users' | 'groups'): string {
  return `No ${what} yet — ${providerLabel(directory.provider)} sends them within 40 minutes of turning provisioning on, or at once with Provision on demand.`;
}

function UserRow({ user, directoryId }: { user: PortalUser; directoryId: string }) {
  return (
    <tr>
      <td>
        <a href={directoryHref(directoryId, 'users', user.id)}>{user.userName}</a>
      </td>
      <td>{user.name ?? '—'}</td>
      <td>{user.email ?? '—'}</td>
      <td>
        <span class={`badge badge-${user.active ? 'ok' : 'muted'}`}>{user.active ? 'Has access' : 'Deactivated'}</span>
      </td>
      <td>{user.groups.length === 0 ? '—' : user.groups.map((group) => group.display ?? group.id).join(', ')}</td>
      <td>{formatTime(user.lastModified)}</td>
    </tr>
  );
}

/**
 * A searchable, cursor-paged table of users or groups: the search box, the rows, the empty and
 * no-match words, and the pager.
 */
function SearchableTable<T extends { id: string }>(props: {
  what: 'users' | 'groups';
  directory: DirectoryTabProps['directory'];
  searchLabel: string;
  columns: readonly string[];
  load: (options: { search: string; cursor?: string }) => Promise<PortalPage<T>>;
  row: (item: T) => ComponentChildren;
}) {
  const [search, setSearch] = useState('');
  const pages = useCursorPages();
  const loaded = useLoad(() => props.load({ search, ...(pages.cursor === undefined ? {} : { cursor: pages.cursor }) }), `${search}|${pages.cursor ?? ''}`);
  const one = props.what === 'users' ? 'user' : 'group';
  return (
    <>
      <SearchBox
        label={props.searchLabel}
        onSearch={(text) => {
          setSearch(text);
          pages.reset();
        }}
      />
      <Show loaded={loaded} what={props.what}>
        {(page) =>
          page.items.length === 0 ? (
            <p class="notice">{search === '' ? emptyWords(props.directory, props.what) : `No ${one} matches "${search}".`}</p>
          ) : (
            <>
              <table class="table">
                <caption class="visually-hidden">{props.what === 'users' ? 'Users' : 'Groups'}</caption>
                <thead>
                  <tr>
                    {props.columns.map((column) => (
                      <th scope="col" key={column}>
                        {column}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>{page.items.map((item) => props.row(item))}</tbody>
              </table>
              <Pager page={pages.page} hasNext={page.nextCursor !== undefined} onPrevious={pages.previous} onNext={() => page.nextCursor !== undefined && pages.next(page.nextCursor)} />
            </>
          )
        }
      </Show>
    </>
  );
}

function UserList({ directory }: DirectoryTabProps) {
  const { activeUsers, users } = directory.counts;
  return (
    <>
      <h2>Users</h2>
      <p class="lead">
        <strong>{plural(activeUsers, 'user has', 'users have')} access</strong> of {plural(users, 'user', 'users')} in all.
      </p>
      <SearchableTable<PortalUser>
        what="users"
        directory={directory}
        searchLabel="Search by user name, name or email"
        columns={['User name', 'Name', 'Email', 'Access', 'Groups', 'Last change']}
        load={(options) => api.users(directory.id, options)}
        row={(user) => <UserRow key={user.id} user={user} directoryId={directory.id} />}
      />
    </>
  );
}

function UserDetail({ directory, userId }: DirectoryTabProps & { userId: string }) {
  const loaded = useLoad(() => api.user(directory.id, userId), `user:${userId}`);
  return (
    <>
      <p class="breadcrumb">
        <a href={directoryHref(directory.id, 'users')}>Users</a> <span aria-hidden="true">›</span>
      </p>
      <Show loaded={loaded} what="the user">
        {(user) => (
          <div class="card">
            <h2>{user.userName}</h2>
            <dl class="facts">
              <dt>Name</dt>
              <dd>{user.name ?? '—'}</dd>
              <dt>Email</dt>
              <dd>{user.email ?? '—'}</dd>
              <dt>Access</dt>
              <dd>{user.active ? 'Has access' : `Deactivated in ${providerLabel(directory.provider)}`}</dd>
              <dt>External id</dt>
              <dd class="mono">{user.externalId ?? '—'}</dd>
              <dt>Groups</dt>
              <dd>
                {user.groups.length === 0
                  ? 'None'
                  : user.groups.map((group, index) => (
                      <span key={group.id}>
                        {index > 0 ? ', ' : ''}
                        <a href={directoryHref(directory.id, 'groups', group.id)}>{group.display ?? group.id}</a>
                      </span>
                    ))}
              </dd>
              <dt>Created</dt>
              <dd>{formatTime(user.created)}</dd>
              <dt>Last change</dt>
              <dd>{formatTime(user.lastModified)}</dd>
              <dt>Id</dt>
              <dd class="mono">{user.id}</dd>
            </dl>
            <details>
              <summary>Everything {providerLabel(directory.provider)} sent (SCIM)</summary>
              <pre class="mono">{JSON.stringify(user.resource, null, 2)}</pre>
            </details>
          </div>
        )}
      </Show>
    </>
  );
}

export function UsersTab(props: DirectoryTabProps) {
  const userId = props.path[0];
  return userId === undefined ? <UserList {...props} /> : <UserDetail {...props} userId={userId} />;
}

function GroupRow({ group, directoryId }: { group: PortalGroup; directoryId: string }) {
  return (
    <tr>
      <td>
        <a href={directoryHref(directoryId, 'groups', group.id)}>{group.displayName}</a>
      </td>
      <td>{group.memberCount.toLocaleString('en')}</td>
      <td>{formatTime(group.lastModified)}</td>
    </tr>
  );
}

function GroupList({ directory }: DirectoryTabProps) {
  return (
    <>
      <h2>Groups</h2>
      <p class="lead">{plural(directory.counts.groups, 'group', 'groups')} provisioned.</p>
      <SearchableTable<PortalGroup>
        what="groups"
        directory={directory}
        searchLabel="Search by group name"
        columns={['Group', 'Members', 'Last change']}
        load={(options) => api.groups(directory.id, options)}
        row={(group) => <GroupRow key={group.id} group={group} directoryId={directory.id} />}
      />
    </>
  );
}

function GroupDetail({ directory, groupId }: DirectoryTabProps & { groupId: string }) {
  const group = useLoad(() => api.group(directory.id, groupId), `group:${groupId}`);
  const pages = useCursorPages();
  const members = useLoad(() => api.members(directory.id, groupId, pages.cursor), `members:${groupId}:${pages.cursor ?? ''}`);
  return (
    <>
      <p class="breadcrumb">
        <a href={directoryHref(directory.id, 'groups')}>Groups</a> <span aria-hidden="true">›</span>
      </p>
      <Show loaded={group} what="the group">
        {(loadedGroup) => (
          <div class="card">
            <h2>{loadedGroup.displayName}</h2>
            <p>{plural(loadedGroup.memberCount, 'member', 'members')}</p>
            <Show loaded={members} what="members">
              {(page) =>
                page.items.length === 0 ? (
                  <p class="notice">This group has no members yet.</p>
                ) : (
                  <>
                    <ul class="members">
                      {page.items.map((member) => (
                        <li key={member.id}>
                          {member.type === 'User' ? (
                            <a href={directoryHref(directory.id, 'users', member.id)}>{member.display ?? member.id}</a>
                          ) : (
                            <a href={directoryHref(directory.id, 'groups', member.id)}>{member.display ?? member.id} (group)</a>
                          )}
                        </li>
                      ))}
                    </ul>
                    <Pager page={pages.page} hasNext={page.nextCursor !== undefined} onPrevious={pages.previous} onNext={() => page.nextCursor !== undefined && pages.next(page.nextCursor)} />
                  </>
                )
              }
            </Show>
          </div>
        )}
      </Show>
    </>
  );
}

export function GroupsTab(props: DirectoryTabProps) {
  const groupId = props.path[0];
  return groupId === undefined ? <GroupList {...props} /> : <GroupDetail key={groupId} {...props} groupId={groupId} />;
}
