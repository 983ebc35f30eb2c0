import { useEffect, useState } from 'preact/hooks';
import type { Namespace } from './api.js';
import { useNamespaces } from './namespaces.js';
import { Cluster } from './screens/Cluster.js';
import { ConfigEditor } from './screens/ConfigEditor.js';
import { Configs } from './screens/Configs.js';
import { History } from './screens/History.js';
import { Login } from './screens/Login.js';
import { Namespaces } from './screens/Namespaces.js';
import { ServiceDetail } from './screens/ServiceDetail.js';
import { Services } from './screens/Services.js';
import { authProblem, href, namespace, navigate, notices, route, session, signOut, useStore } from './state.js';
import { ErrorState } from './ui.js';

const SECTIONS = [
  { path: '/configs', label: 'Configs', also: ['/config', '/history'] },
  { path: '/services', label: 'Services', also: ['/service'] },
  { path: '/namespaces', label: 'Namespaces', also: [] },
  { path: '/cluster', label: 'Cluster', also: [] },
];


function NamespaceSwitcher() {
  const current = useStore(namespace);
  const list = useNamespaces();
  const items: Namespace[] = list.data ?? [];
  const known = items.some((n) => n.id === current || (current === '' && n.type === 0));
  return (
    <label class="ns-switch">
      <span>Namespace</span>
      <select
        aria-label="Namespace"
        value={current}
        disabled={list.status === 'loading'}
        onChange={(e) => {
          namespace.set(e.currentTarget.value);
          const { path } = route.value;
          // A config or service of the old namespace is not in the new one: back to its list.
          const list = path === '/config' || path === '/history' ? '/configs' : path === '/service' ? '/services' : path;
          navigate(list);
        }}
      >
        {items.length === 0 && <option value="">public</option>}
        {!known && current !== '' && <option value={current}>{current}</option>}
        {items.map((n) => (
          <option key={n.id} value={n.type === 0 ? '' : n.id}>
            {n.type === 0 ? 'public' : n.name || n.id}
            {n.type !== 0 && n.name && n.name !== n.id ? ` (${n.id})` : ''}
          </option>
        ))}
      </select>
    </label>
  );
}

function Screen() {
  const { path } = useStore(route);
  switch (path) {
    case '/configs':
      return <Configs />;
    case '/config':
    case '/config/new':
      return <ConfigEditor />;
    case '/history':
      return <History />;
    case '/services':
      return <Services />;
    case '/service':
      return <ServiceDetail />;
    case '/namespaces':
      return <Namespaces />;
    case '/cluster':
      return <Cluster />;
    default:
      return <ErrorState title="No such screen" error={new Error(`Nothing lives at ${path}.`)} retry={() => navigate('/configs')} />;
  }
}

function Notices() {
  const list = useStore(notices);
  return (
    <div class="notices" aria-live="polite">
      {list.map((n) => (
        <div key={n.id} class={`notice ${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          {n.text}
        </div>
      ))}
    </div>
  );
}

export function App() {
  const current = useStore(session);
  const problem = useStore(authProblem);
  const { path } = useStore(route);
  const [navOpen, setNavOpen] = useState(false);
  useEffect(() => setNavOpen(false), [path]);
  useEffect(() => {
    // `/` focuses the screen's search box (not while typing somewhere).
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      const box = document.querySelector<HTMLInputElement>('[data-search]');
      if (box) {
        e.preventDefault();
        box.focus();
        box.select();
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
  if (!current || problem) return <Login />;
  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <button type="button" class="btn icon nav-toggle" aria-expanded={navOpen} aria-controls="nav" aria-label="Menu" onClick={() => setNavOpen(!navOpen)}>
          ☰
        </button>
        <a class="brand" href={href('/configs')}>
          <span class="logo" aria-hidden="true">N</span>
          <span class="brand-text">Nacos dashboard</span>
        </a>
        <NamespaceSwitcher />
        <div class="who">
          <span class="user" title="Signed in as">
            {current.token ? current.username : 'no sign-in'}
          </span>
          <button
            type="button"
            class="btn small"
            onClick={() => signOut()}
          >
            {current.token ? 'Sign out' : 'Sign in'}
          </button>
        </div>
      </header>
      <nav id="nav" class={navOpen ? 'side open' : 'side'} aria-label="Sections">
        {SECTIONS.map((s) => {
          const active = path === s.path || s.also.some((a) => path.startsWith(a));
          return (
            <a key={s.path} href={href(s.path)} class={active ? 'active' : undefined} aria-current={active ? 'page' : undefined}>
              {s.label}
            </a>
          );
        })}
        <p class="nav-foot">
          Press <kbd>/</kbd> to search
        </p>
      </nav>
      <main id="main" class="content" tabIndex={-1}>
        <Screen />
      </main>
      <Notices />
    </div>
  );
}
