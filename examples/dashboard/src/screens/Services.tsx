import { useState } from 'preact/hooks';
import { admin } from '../api.js';
import { href, namespace, navigate, route, useStore } from '../state.js';
import { Empty, ErrorState, PageHead, Pager, Skeleton, useLoad } from '../ui.js';

export function Services() {
  const { params } = useStore(route);
  const ns = useStore(namespace);
  const page = Math.max(1, Number(params.page) || 1);
  const name = params.name ?? '';
  const group = params.group ?? '';
  const [draft, setDraft] = useState({ name, group });
  const list = useLoad((signal) => admin.services.listPage({ namespaceId: ns, ...(name ? { name } : {}), ...(group ? { groupName: group } : {}) }, { pageNumber: page, pageSize: 20, signal }), [ns, name, group, page]);
  const go = (next: { name: string; group: string }, p = 1) => navigate('/services', { ...next, page: p > 1 ? p : undefined });
  const searching = Boolean(name || group);
  return (
    <section>
      <PageHead title="Services" sub={<>Namespace <strong>{ns || 'public'}</strong></>} />
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          go(draft);
        }}
      >
        <label class="field grow">
          <span>Service name contains</span>
          <input data-search name="name" value={draft.name} onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })} placeholder="e.g. order" />
        </label>
        <label class="field">
          <span>Group</span>
          <input name="group" value={draft.group} onInput={(e) => setDraft({ ...draft, group: e.currentTarget.value })} placeholder="any group" />
        </label>
        <div class="search-actions">
          <button type="submit" class="btn primary">
            Search
          </button>
          {searching && (
            <button type="button" class="btn link" onClick={() => (setDraft({ name: '', group: '' }), go({ name: '', group: '' }))}>
              Clear
            </button>
          )}
        </div>
      </form>
      {list.status === 'loading' && <Skeleton rows={6} label="Loading services" />}
      {list.status === 'error' && <ErrorState title="Could not list the services" error={list.error} retry={() => list.reload()} />}
      {list.status === 'ok' && list.data.items.length === 0 && (
        <Empty title={searching ? 'No service matches' : 'No services registered in this namespace'}>
          {searching ? 'Try part of the name, or another group or namespace.' : 'Services appear here when an application registers an instance (or one is created through the admin API).'}
        </Empty>
      )}
      {list.status === 'ok' && list.data.items.length > 0 && (
        <>
          <table class="table cards" data-table="services">
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Group</th>
                <th scope="col" class="num">Clusters</th>
                <th scope="col" class="num">Instances</th>
                <th scope="col" class="num">Healthy</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((s) => (
                <tr key={`${s.groupName}/${s.name}`} data-service={s.name}>
                  <td data-label="Service" class="primary-cell">
                    <a href={href('/service', { name: s.name, group: s.groupName })}>{s.name}</a>
                    {s.triggerFlag && <span class="tag warn" title="The protect threshold is in effect">protected</span>}
                  </td>
                  <td data-label="Group">{s.groupName}</td>
                  <td data-label="Clusters" class="num">
                    {s.clusterCount}
                  </td>
                  <td data-label="Instances" class="num">
                    {s.ipCount}
                  </td>
                  <td data-label="Healthy" class="num">
                    <span class={s.healthyInstanceCount < s.ipCount ? 'health partial' : s.ipCount === 0 ? 'health none' : 'health ok'}>
                      {s.healthyInstanceCount}/{s.ipCount}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager {...list.data} onPage={(p) => go({ name, group }, p)} />
        </>
      )}
    </section>
  );
}
