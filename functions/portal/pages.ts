/**
 * The HTML the portal's server writes: the shell the app runs in, and the plain pages shown when
 * there is no app to run (a used or expired link, an ended session). No inline script or style:
 * the Content-Security-Policy forbids both.
 */

/** How the portal presents itself: the host app's name, not this project's. */
export interface PortalBranding {
  /** e.g. "Hero SaaS". */
  appName: string;
  /** An https image shown beside the name. */
  logoUrl?: string;
  /** A colour such as `#0b5fff` for buttons and links. */
  accentColor?: string;
}

const ACCENT_PATTERN = /^#[0-9a-fA-F]{6}$/;

/** Checks branding given by an operator (stack props, `npm start` options); throws a readable error. */
export function checkBranding(branding: PortalBranding): PortalBranding {
  const appName = branding.appName.trim();
  if (appName === '' || appName.length > 80 || /\p{Cc}/u.test(appName)) throw new RangeError('the app name must be 1 to 80 printable characters');
  if (branding.accentColor !== undefined && !ACCENT_PATTERN.test(branding.accentColor)) {
    throw new RangeError('the accent colour must be written #rrggbb');
  }
  if (branding.logoUrl !== undefined) {
    const url = new URL(branding.logoUrl);
    const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new RangeError('the logo URL must be an https URL');
  }
  return { ...branding, appName };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function document(branding: PortalBranding, title: string, main: string, options: { script?: boolean } = {}): string {
  const name = escapeHtml(branding.appName);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · ${name} Admin Portal</title>
<link rel="stylesheet" href="assets/portal.css">
${options.script === true ? '<script type="module" src="assets/portal.js"></script>\n' : ''}</head>
<body>
${main}
</body>
</html>
`;
}

/** The shell the app mounts into. Branding reaches the script through `/api/session`. */
export function pageShell(branding: PortalBranding): string {
  return document(
    branding,
    'Directory Sync',
    `<div id="app"><main class="page"><p class="notice" role="status">Loading the Admin Portal…</p>
<noscript><p class="notice notice-error">The Admin Portal needs JavaScript. Turn it on for this site and reload.</p></noscript></main></div>`,
    { script: true },
  );
}

function plainPage(branding: PortalBranding, title: string, paragraphs: string[]): string {
  return document(
    branding,
    title,
    `<header class="topbar"><span class="brand">${escapeHtml(branding.appName)}</span><span class="brand-sub">Admin Portal</span></header>
<main class="page narrow">
<h1>${escapeHtml(title)}</h1>
${paragraphs.map((text) => `<p>${escapeHtml(text)}</p>`).join('\n')}
</main>`,
  );
}

/** Shown for a link that is unknown, already used, or older than 5 minutes. */
export function expiredLinkPage(branding: PortalBranding): string {
  return plainPage(branding, 'This link has expired', [
    'Admin Portal links work once and only for 5 minutes, and this one has already been used or is too old.',
    `Go back to ${branding.appName} and open the Admin Portal again to get a new link.`,
  ]);
}

/** Shown without a live session (or for a page that does not exist). */
export function signedOutPage(branding: PortalBranding, reason = 'Your Admin Portal session has ended or was never started.'): string {
  return plainPage(branding, 'Open the Admin Portal from ' + branding.appName, [
    reason,
    `Sessions end after an hour without activity. Go back to ${branding.appName} and open the Admin Portal again.`,
  ]);
}
