/**
 * The portal's presentation settings from the environment (the stack sets them from its `portal`
 * props), checked once at cold start so a bad value fails the deploy's first invocation loudly.
 */
import { ConfigurationError } from '../auth/config.ts';
import { ENV } from '../config/environment.ts';
import { checkBranding, type PortalBranding } from './pages.ts';

export interface PortalConfig {
  branding: PortalBranding;
  frameAncestors?: string[];
  staleAfterMinutes?: number;
}

/** The host app's name on the portal's pages when none is configured. */
export const DEFAULT_PORTAL_APP_NAME = 'your application';

/** Reads `PORTAL_APP_NAME`, `PORTAL_LOGO_URL`, `PORTAL_ACCENT_COLOR`, `PORTAL_FRAME_ANCESTORS`, `PORTAL_STALE_AFTER_MINUTES`. */
export function portalConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PortalConfig {
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  let branding: PortalBranding;
  try {
    branding = checkBranding({
      appName: text(ENV.portalAppName) ?? DEFAULT_PORTAL_APP_NAME,
      ...(text(ENV.portalLogoUrl) === undefined ? {} : { logoUrl: text(ENV.portalLogoUrl) }),
      ...(text(ENV.portalAccentColor) === undefined ? {} : { accentColor: text(ENV.portalAccentColor) }),
    });
  } catch (error) {
    throw new ConfigurationError(`portal branding: ${error instanceof Error ? error.message : String(error)}`);
  }
  const ancestors = text(ENV.portalFrameAncestors)?.split(/\s+/);
  for (const origin of ancestors ?? []) {
    if (!/^https:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(origin)) throw new ConfigurationError(`PORTAL_FRAME_ANCESTORS must list https origins, not "${origin}"`);
  }
  const stale = text(ENV.portalStaleAfterMinutes);
  const staleAfterMinutes = stale === undefined ? undefined : Number(stale);
  if (staleAfterMinutes !== undefined && (!Number.isInteger(staleAfterMinutes) || staleAfterMinutes < 5 || staleAfterMinutes > 7 * 24 * 60)) {
    throw new ConfigurationError(`PORTAL_STALE_AFTER_MINUTES must be a whole number of minutes from 5 to 10080, not "${stale}"`);
  }
  return {
    branding,
    ...(ancestors === undefined ? {} : { frameAncestors: ancestors }),
    ...(staleAfterMinutes === undefined ? {} : { staleAfterMinutes }),
  };
}
