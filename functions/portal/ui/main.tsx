/**
 * The Admin Portal's page: loads the session, then routes on the URL fragment
 * (`#/`, `#/add`, `#/directories/<id>/<tab>`), so the server serves one page for every view.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type SessionInfo } from './api.ts';
import { ErrorNotice, Loading } from './components.tsx';
import { AddDirectory, DirectoryList } from './directories.tsx';
import { DirectoryView } from './directory.tsx';
import { currentRoute, navigate } from './router.ts';

function useRoute(): string[] {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const onChange = () => {
      setRoute(currentRoute());
      // Move focus to the new view's heading, so keyboard and screen-reader users follow the change.
      requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus());
    };
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function Header({ session }: { session: SessionInfo }) {
  const { branding } = session;
  const signOut = async () => {
    await api.signOut().catch(() => undefined);
    window.location.reload();
  };
  return (
    <header class="topbar">
      <a class="brand" href="#/">
        {branding.logoUrl === undefined ? null : <img src={branding.logoUrl} alt="" class="logo" />}
        {branding.appName}
      </a>
      <span class="brand-sub">Admin Portal</span>
      <span class="spacer" />
      {session.returnUrl === undefined ? null : (
        <a class="button secondary small" href={session.returnUrl}>
          Back to {branding.appName}
        </a>
      )}
      <button type="button" class="button secondary small" onClick={signOut}>
        Sign out
      </button>
    </header>
  );
}

function Tabs() {
  return (
    <nav class="tabs" aria-label="Admin Portal sections">
      <a class="tab" href="#/" aria-current="page">
        Directory Sync
      </a>
    </nav>
  );
}

function Views({ session }: { session: SessionInfo }) {
  const route = useRoute();
  const [first, id, ...rest] = route;
  if (first === 'add') return <AddDirectory session={session} />;
  if (first === 'directories' && id !== undefined) return <DirectoryView session={session} directoryId={id} path={rest} />;
  return <DirectoryList session={session} />;
}

function App() {
  const [session, setSession] = useState<SessionInfo | ApiError | undefined>(undefined);
  useEffect(() => {
    api.session().then(
      (info) => {
        setSession(info);
        document.title = `Directory Sync · ${info.branding.appName} Admin Portal`;
        if (info.branding.accentColor !== undefined) document.documentElement.style.setProperty('--accent', info.branding.accentColor);
        if (info.directoryId !== undefined && window.location.hash === '') navigate(`/directories/${encodeURIComponent(info.directoryId)}`);
      },
      (error: unknown) => setSession(error instanceof ApiError ? error : new ApiError(0, 'error', 'The Admin Portal could not start. Reload the page.')),
    );
  }, []);
  if (session === undefined) return <main class="page"><Loading what="the Admin Portal" /></main>;
  if (session instanceof ApiError) {
    return (
      <main class="page narrow">
        <h1 tabIndex={-1}>The Admin Portal could not open</h1>
        <ErrorNotice error={session} />
      </main>
    );
  }
  return (
    <>
      <a
        class="skip"
        href="#/"
        onClick={(event) => {
          event.preventDefault();
          document.querySelector<HTMLElement>('main h1')?.focus();
        }}
      >
        Skip to content
      </a>
      <Header session={session} />
      <Tabs />
      <main class="page" id="main">
        <Views session={session} />
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root !== null) {
  root.textContent = '';
  render(<App />, root);
}
