/**
 * Human-readable output of the CLI. Scripts use `--json` instead, whose shapes live in
 * `program.ts` next to the commands.
 */
import type { AdminResult } from '../admin/commands.ts';
import { PROVIDER_LABELS } from '../admin/directory-store.ts';

type DirectoryView = AdminResult<'directory.get'>;
type TokenView = AdminResult<'token.revoke'>;
type Provider = DirectoryView['provider'];

/** Left-aligned columns, two spaces apart. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Where to paste the Tenant URL and token in each identity provider. */
export function setupSteps(provider: Provider): string[] {
  switch (provider) {
    case 'entra':
      return [
        'To connect Microsoft Entra ID:',
        '  1. Entra admin center → Enterprise applications → your application (or New application → Create your own application).',
        '  2. Provisioning → set Provisioning Mode to Automatic.',
        '  3. Admin Credentials → paste the Tenant URL and the Secret Token above.',
        '  4. Test Connection, then Save. Assign users and groups, then start provisioning.',
      ];
    case 'okta':
      return [
        'To connect Okta:',
        '  1. Applications → your SCIM application → General → enable SCIM provisioning.',
        '  2. Provisioning → Integration: SCIM connector base URL = the Tenant URL above; Unique identifier field = userName.',
        '  3. Authentication Mode: HTTP Header; Authorization: Bearer = the Secret Token above.',
        '  4. Test Connector Configuration, then Save and enable "To App" provisioning.',
      ];
    case 'onelogin':
      return [
        'To connect OneLogin:',
        '  1. Applications → Add App → "SCIM Provisioner with SAML (SCIM v2 Enterprise)" (or your application with SCIM).',
        '  2. Configuration: SCIM Base URL = the Tenant URL above; SCIM Bearer Token = the Secret Token above; Enable the API connection.',
        '  3. Provisioning → Enable provisioning, then Save. Assign users (and map groups with rules).',
      ];
    case 'jumpcloud':
      return [
        'To connect JumpCloud:',
        '  1. SSO Applications → your application → Identity Management → SCIM 2.0.',
        '  2. Base URL = the Tenant URL above; Token Key = the Secret Token above.',
        '  3. Test Connection, then Activate. Bind user groups to the application.',
      ];
    case 'generic':
      return [
        'To connect a SCIM client:',
        '  Base URL: the Tenant URL above.',
        '  Authentication: HTTP header "Authorization: Bearer <Secret Token>".',
      ];
  }
}

export function formatCreatedDirectory(created: AdminResult<'directory.create'>): string {
  const { directory, token } = created;
  return [
    `Directory created: ${directory.name} (${directory.id}, ${PROVIDER_LABELS[directory.provider]})`,
    '',
    `Tenant URL: ${created.tenantUrl}`,
    `Secret Token: ${token.token}`,
    '',
    'The Secret Token is shown only this once. Paste it into your identity provider now.',
    '',
    ...setupSteps(directory.provider),
  ].join('\n');
}

export function formatDirectory(directory: DirectoryView): string {
  const rows: [string, string][] = [
    ['ID', directory.id],
    ['Name', directory.name],
    ['Provider', PROVIDER_LABELS[directory.provider]],
    ['Status', directory.deletingSince === undefined ? directory.status : `being deleted (since ${directory.deletingSince})`],
    ['Organization', directory.organizationId ?? '-'],
    ['Tenant URL', directory.tenantUrl],
    ['Users', `${directory.counts.users} (${directory.counts.activeUsers} active)`],
    ['Groups', String(directory.counts.groups)],
    ['Created', directory.created],
    ['Last modified', directory.lastModified],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`).join('\n');
}

export function formatDirectories(directories: DirectoryView[]): string {
  if (directories.length === 0) return 'No directories.';
  return table(
    ['ID', 'NAME', 'PROVIDER', 'STATUS', 'USERS', 'ACTIVE', 'GROUPS', 'ORGANIZATION'],
    directories.map((d) => [
      d.id,
      d.name,
      d.provider,
      d.deletingSince === undefined ? d.status : 'deleting',
      String(d.counts.users),
      String(d.counts.activeUsers),
      String(d.counts.groups),
      d.organizationId ?? '-',
    ]),
  );
}

export function formatTokens(tokens: TokenView[]): string {
  if (tokens.length === 0) return 'No tokens.';
  return table(
    ['TOKEN ID', 'LABEL', 'STATE', 'CREATED', 'EXPIRES', 'LAST USED'],
    tokens.map((t) => [t.tokenId, t.label, t.state, t.createdAt, t.revokedAt === undefined ? (t.expiresAt ?? 'never') : `revoked ${t.revokedAt}`, t.lastUsedAt ?? 'never']),
  );
}

export function formatPortalLink(link: AdminResult<'portal.link'>): string {
  return [
    `Admin Portal link for organization ${link.organizationId}${link.directoryId === undefined ? '' : `, directory ${link.directoryId}`}:`,
    '',
    link.url,
    '',
    `It opens the portal once, until ${link.expiresAt}. Send it to the organization's IT admin now; ask for a new one if it expires.`,
  ].join('\n');
}

/** Activity entries, newest first, with how to ask for the next page. */
export function formatActivity(page: AdminResult<'activity.list'>): string {
  if (page.items.length === 0) return 'No activity.';
  const rows = table(
    ['TIME', 'METHOD', 'RESOURCE', 'STATUS', 'CLIENT', 'DETAIL'],
    page.items.map((entry) => [
      entry.at,
      entry.method,
      [entry.resourceType, entry.resourceName ?? entry.resourceId].filter((part) => part !== undefined).join(' ') || '-',
      String(entry.status),
      entry.client,
      entry.outcome === 'failure' ? [entry.scimType, entry.detail].filter((part) => part !== undefined).join(': ') : '',
    ]),
  );
  return page.nextCursor === undefined ? rows : `${rows}\n\nMore: add --cursor ${page.nextCursor}`;
}

export function formatMintedToken(directoryId: string, token: AdminResult<'token.create'>): string {
  return [
    `Token created for directory ${directoryId}: ${token.tokenId} (${token.label})${token.expiresAt === undefined ? '' : `, expires ${token.expiresAt}`}`,
    '',
    `Secret Token: ${token.token}`,
    '',
    'The Secret Token is shown only this once.',
  ].join('\n');
}

export function formatRotation(directoryId: string, rotated: AdminResult<'token.rotate'>): string {
  const lines = [formatMintedToken(directoryId, rotated.token)];
  if (rotated.previous !== undefined) {
    lines.push(
      '',
      `The previous token ${rotated.previous.tokenId} keeps working until ${rotated.previous.expiresAt ?? 'revoked'}:`,
      'paste the new Secret Token into your identity provider (and Test Connection) before then.',
    );
  }
  return lines.join('\n');
}

/** What `events redrive` did: one line of counts, then the records still parked and why. */
export function formatRedrive(report: AdminResult<'events.redrive'>): string {
  const pointers =
    report.pointers > 0
      ? [`${report.pointers} messages in the dead-letter queue are the stream's own pointers, not records: they stay there (docs/events.md, "When delivery fails").`]
      : [];
  if (report.examined === 0) return ['No parked stream records.', ...pointers].join('\n');
  const summary = report.dryRun
    ? `Dry run: ${report.ready} of ${report.examined} parked records would be redriven (${report.events} events); nothing was published or removed.`
    : `Redrove ${report.redriven} of ${report.examined} parked records (${report.events} events published).`;
  const lines = [summary];
  if (report.unmappable > 0) lines.push(`${report.unmappable} still cannot be turned into events and stay parked.`);
  if (report.tooLarge > 0) lines.push(`${report.tooLarge} were too large for the queue and hold only their keys: they stay there; read those resources again through the Directory API.`);
  lines.push(...pointers);
  if (report.undelivered > 0) lines.push('The event bus refused events; the redrive stopped there. Run it again once the bus accepts them.');
  const stuck = report.items.filter((item) => item.outcome === 'unmappable' || item.outcome === 'undelivered' || item.outcome === 'tooLarge');
  if (stuck.length > 0) {
    lines.push('', table(['DIRECTORY', 'SEQUENCE', 'PARKED', 'STILL', 'DETAIL'], stuck.map((item) => [item.directoryId, item.sequenceNumber, item.parkedAt, item.outcome, item.detail ?? ''])));
  }
  if (report.more) lines.push('', 'More parked records remain: run it again (or raise --max).');
  return lines.join('\n');
}
