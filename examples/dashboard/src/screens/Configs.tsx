import { useState } from 'preact/hooks';
import { configs, type ConfigQuery } from '../api.js';
import { href, namespace, navigate, route, useStore } from '../state.js';
import { Empty, ErrorState, PageHead, Pager, Skeleton, useLoad } from '../ui.js';

const PAGE_SIZE = 20;

export function Configs() {
  const { params } = useStore(route);
  const ns = useStore(namespace);
  const page = Math.max(1, Number(params.page) || 1);
  const filters = { dataId: params.dataId ?? '', group: params.group ?? '', mode: params.mode === 'exact' ? 'exact' : 'fuzzy', content: params.content ?? '', tags: params.tags ?? '', app: params.app ?? '' };
  const [draft, setDraft] = useState(filters);
  const [more, setMore] = useState(Boolean(filters.content || filters.tags || filters.app));
  const list = useLoad(
    (signal) => {
      const query: ConfigQuery = { namespaceId: ns, mode: filters.mode as 'exact' | 'fuzzy' };
      // Fuzzy: the server's `*` wildcards; a bare term matches anywhere in the name.
      const fuzzy = (t: string) => (filters.mode === 'fuzzy' && t && !t.includes('*') ? `*${t}*` : t);
      if (filters.dataId) query.dataId = fuzzy(filters.dataId);
      if (filters.group) query.group = fuzzy(filters.group);
      if (filters.content) query.content = filters.content;
      if (filters.app) query.appName = filters.app;
      if (filters.tags) query.tags = filters.tags.split(',').map((t) => t.trim()).filter(Boolean);
      return configs.searchPage(query, { pageNumber: page, pageSize: PAGE_SIZE, signal });
    },
    [ns, page, JSON.stringify(filters)],
  );
  const searching = Object.entries(filters).some(([k, v]) => k !== 'mode' && v);
  const go = (next: typeof filters, p = 1) => navigate('/configs', { ...next, mode: next.mode === 'exact' ? 'exact' : undefined, page: p > 1 ? p : undefined });
  return (
    <section aria-labelledby="h-configs">
      <PageHead title="Configs" sub={<>Namespace <strong>{ns || 'public'}</strong></>}>
        <a class="btn primary" href={href('/config/new')}>
          New config
        </a>
      </PageHead>
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          go(draft);
        }}
      >
        <label class="field grow">
          <span>Data ID</span>
          <input data-search name="dataId" placeholder="e.g. order or order-*.yaml" value={draft.dataId} onInput={(e) => setDraft({ ...draft, dataId: e.currentTarget.value })} />
        </label>
        <label class="field">
          <span>Group</span>
          <input name="group" placeholder="any group" value={draft.group} onInput={(e) => setDraft({ ...draft, group: e.currentTarget.value })} />
        </label>
        <label class="field">
          <span>Match</span>
          <select name="mode" value={draft.mode} onChange={(e) => setDraft({ ...draft, mode: e.currentTarget.value })}>
            <option value="fuzzy">contains (fuzzy)</option>
            <option value="exact">exactly</option>
          </select>
        </label>
        {more && (
          <>
            <label class="field grow">
              <span>Content contains</span>
              <input name="content" value={draft.content} onInput={(e) => setDraft({ ...draft, content: e.currentTarget.value })} />
            </label>
            <label class="field">
              <span>Tags</span>
              <input name="tags" placeholder="a,b" value={draft.tags} onInput={(e) => setDraft({ ...draft, tags: e.currentTarget.value })} />
            </label>
            <label class="field">
              <span>App</span>
              <input name="app" value={draft.app} onInput={(e) => setDraft({ ...draft, app: e.currentTarget.value })} />
            </label>
          </>
        )}
        <div class="search-actions">
          <button type="submit" class="btn primary">
            Search
          </button>
          <button type="button" class="btn link" aria-expanded={more} onClick={() => setMore(!more)}>
            {more ? 'Fewer filters' : 'More filters'}
          </button>
          {searching && (
            <button
              type="button"
              class="btn link"
              onClick={() => {
                const clear = { dataId: '', group: '', mode: 'fuzzy', content: '', tags: '', app: '' };
                setDraft(clear);
                go(clear);
              }}
            >
              Clear
            </button>
          )}
        </div>
      </form>
      {list.status === 'loading' && <Skeleton rows={6} label="Loading configs" />}
      {list.status === 'error' && <ErrorState title="Could not list the configs" error={list.error} retry={() => list.reload()} />}
      {list.status === 'ok' && list.data.items.length === 0 && (
        <Empty
          title={searching ? 'No config matches' : 'No configs in this namespace yet'}
          action={
            searching ? (
              <button type="button" class="btn" onClick={() => go({ dataId: '', group: '', mode: 'fuzzy', content: '', tags: '', app: '' })}>
                Clear the search
              </button>
            ) : (
              <a class="btn primary" href={href('/config/new')}>
                Create the first config
              </a>
            )
          }
        >
          {searching ? 'Try a shorter term, the fuzzy match, or another namespace.' : 'Configs are the key/value documents your applications read from Nacos.'}
        </Empty>
      )}
      {list.status === 'ok' && list.data.items.length > 0 && (
        <>
          <table class="table cards" data-table="configs">
            <thead>
              <tr>
                <th scope="col">Data ID</th>
                <th scope="col">Group</th>
                <th scope="col">Type</th>
                <th scope="col">App</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((c) => (
                <tr key={`${c.group}/${c.dataId}`} data-config={c.dataId}>
                  <td data-label="Data ID" class="primary-cell">
                    <a href={href('/config', { dataId: c.dataId, group: c.group })}>{c.dataId}</a>
                  </td>
                  <td data-label="Group">{c.group}</td>
                  <td data-label="Type">
                    <span class="tag">{c.type || 'text'}</span>
                  </td>
                  <td data-label="App">{c.appName || '—'}</td>
                  <td class="row-actions">
                    <a class="btn small" href={href('/config', { dataId: c.dataId, group: c.group })}>
                      Edit
                    </a>
                    <a class="btn small" href={href('/history', { dataId: c.dataId, group: c.group })}>
                      History
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager {...list.data} onPage={(p) => go(filters, p)} />
        </>
      )}
    </section>
  );
}
