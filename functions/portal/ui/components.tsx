/**
 * Small building blocks shared by the portal's views: loading with words and a time limit,
 * errors that say what to do, copy fields, pagers, and time formatting.
 */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'ready'; data: T }
  | { state: 'error'; error: ApiError };

/**
 * Runs `load` whenever `key` changes; `reload` runs it again and keeps showing the current data
 * until the new answer comes (so what the admin is reading, a new token say, stays on screen).
 * Late answers of an older key are dropped.
 */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> & { reload: () => void } {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  const current = useRef(0);
  const loadedKey = useRef<string | undefined>(undefined);
  useEffect(() => {
    const mine = ++current.current;
    if (loadedKey.current !== key) setResult({ state: 'loading' });
    loadedKey.current = key;
    load().then(
      (data) => mine === current.current && setResult({ state: 'ready', data }),
      (error: unknown) =>
        mine === current.current &&
        setResult({ state: 'error', error: error instanceof ApiError ? error : new ApiError(0, 'error', 'Something went wrong. Try again.') }),
    );
    // `load` is recreated on each render; `key` says when it asks for something else.
  }, [key, round]);
  const reload = useCallback(() => setRound((value) => value + 1), []);
  return { ...result, reload };
}

/** "Loading…", then after a few seconds a calmer note; the request itself gives up after 20 s. */
export function Loading({ what }: { what: string }) {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setSlow(true), 4000);
    return () => clearTimeout(timer);
  }, []);
  return (
    <p class="notice" role="status">
      {slow ? `Still loading ${what}. This can take a few seconds.` : `Loading ${what}…`}
    </p>
  );
}

export function ErrorNotice({ error, retry }: { error: ApiError; retry?: () => void }) {
  return (
    <div class="notice notice-error" role="alert">
      <p>{error.message}</p>
      {retry === undefined ? null : (
        <button type="button" class="button secondary" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** Renders a loaded value, or its loading and error states. */
export function Show<T>({ loaded, what, children }: { loaded: Loaded<T> & { reload: () => void }; what: string; children: (data: T) => ComponentChildren }) {
  if (loaded.state === 'loading') return <Loading what={what} />;
  if (loaded.state === 'error') return <ErrorNotice error={loaded.error} retry={loaded.reload} />;
  return <>{children(loaded.data)}</>;
}

let fieldCount = 0;

/** A read-only value with a label and a Copy button that says when it copied. */
export function CopyField({ label, value, hint }: { label: string; value: string; hint?: string }) {
  const [id] = useState(() => `field-${++fieldCount}`);
  const [copied, setCopied] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(`${label} copied`);
    } catch {
      input.current?.select();
      setCopied('Press Ctrl+C (or ⌘C) to copy the selected text');
    }
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint === undefined ? null : <p class="hint">{hint}</p>}
      <div class="copy-row">
        <input id={id} ref={input} class="mono" type="text" readOnly value={value} onFocus={(event) => (event.currentTarget as HTMLInputElement).select()} />
        <button type="button" class="button secondary" onClick={copy} aria-label={`Copy ${label}`}>
          Copy
        </button>
      </div>
      <p class="copied" aria-live="polite">
        {copied}
      </p>
    </div>
  );
}

/** Previous / next over cursor pages: the caller keeps the cursors it has seen. */
export function Pager({ page, hasNext, onPrevious, onNext }: { page: number; hasNext: boolean; onPrevious: () => void; onNext: () => void }) {
  if (page === 1 && !hasNext) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" class="button secondary" disabled={page === 1} onClick={onPrevious}>
        Previous page
      </button>
      <span>Page {page}</span>
      <button type="button" class="button secondary" disabled={!hasNext} onClick={onNext}>
        Next page
      </button>
    </nav>
  );
}

/** Cursor paging state: the cursor of each page seen so far. */
export function useCursorPages() {
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  return {
    page: cursors.length,
    cursor: cursors[cursors.length - 1],
    next: (cursor: string) => setCursors((list) => [...list, cursor]),
    previous: () => setCursors((list) => (list.length > 1 ? list.slice(0, -1) : list)),
    reset: () => setCursors([undefined]),
  };
}

const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatTime(iso: string | undefined): string {
  if (iso === undefined) return '—';
  const time = Date.parse(iso);
  return Number.isNaN(time) ? '—' : DATE_TIME.format(time);
}

/** "just now", "3 minutes ago", "2 hours ago", "4 days ago". */
export function timeAgo(iso: string, nowMs = Date.now()): string {
  const minutes = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 60_000));
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'} ago`;
  const days = Math.round(hours / 24);
  return `${days} days ago`;
}

export function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString('en')} ${count === 1 ? one : many}`;
}
