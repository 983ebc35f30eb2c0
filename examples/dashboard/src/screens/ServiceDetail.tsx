import { useEffect, useState } from 'preact/hooks';
import { admin, errorCode, type AdminInstance } from '../api.js';
import { href, namespace, noteError, notify, route, useStore } from '../state.js';
import { Dialog, Empty, ErrorState, PageHead, Skeleton, useLoad } from '../ui.js';

const LIVE_MS = 3000;

export function ServiceDetail() {
  const { params } = useStore(route);
  const ns = useStore(namespace);
  const name = params.name ?? '';
  const group = params.group || 'DEFAULT_GROUP';
  const ref = { namespaceId: ns, groupName: group, serviceName: name };
  const service = useLoad((signal) => admin.services.get({ namespaceId: ns, groupName: group, name }, { signal }), [ns, name, group]);
  const instances = useLoad((signal) => admin.instances.list(ref, { signal }).then((list) => ({ list, at: Date.now() })), [ns, name, group]);
  const [live, setLive] = useState(true);
  const [editing, setEditing] = useState<AdminInstance>();
  const [pending, setPending] = useState<string>();
  // Live: the instance list is read again every few seconds while the tab is visible.
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => document.visibilityState === 'visible' && instances.reload(true), LIVE_MS);
    return () => clearInterval(timer);
  }, [live, instances.reload]);
  const key = (i: AdminInstance) => `${i.clusterName}/${i.ip}:${i.port}`;
  async function update(i: AdminInstance, change: { enabled?: boolean; weight?: number }, what: string) {
    setPending(key(i));
    try {
      await admin.instances.update({ ...ref, ip: i.ip, port: i.port, clusterName: i.clusterName, ephemeral: i.ephemeral, ...change });
      notify(what);
      instances.reload(true);
    } catch (e) {
      noteError(e);
      notify(`${what} failed: ${errorCode(e) ?? ''} ${e instanceof Error ? e.message : String(e)}`, 'error');
    } finally {
      setPending(undefined);
    }
  }
  if (service.status === 'error' && errorCode(service.error) === 'NOT_FOUND')
    return <ErrorState title={`No service ${name} in ${group}`} error={service.error} retry={() => service.reload()} />;
  const list = instances.data?.list ?? [];
  const clusters = [...new Set([...(service.data?.clusters.map((c) => c.name) ?? []), ...list.map((i) => i.clusterName)])];
  return (
    <section>
      <PageHead
        title={name}
        sub={
          <>
            <a href={href('/services')}>Services</a> · <span class="tag">{group}</span> · namespace <strong>{ns || 'public'}</strong>
          </>
        }
      >
        <button type="button" class={live ? 'live on' : 'live'} aria-pressed={live} data-live={live} onClick={() => setLive(!live)} title={live ? 'Pause live updates' : 'Resume live updates'}>
          <span class="dot" aria-hidden="true" /> {live ? 'Live' : 'Paused'}
          <span class="updated">{instances.data ? ` · updated ${new Date(instances.data.at).toLocaleTimeString()}` : ''}</span>
        </button>
      </PageHead>
      {service.status === 'loading' && <Skeleton rows={2} label="Loading the service" />}
      {service.status === 'error' && <ErrorState title="Could not read the service" error={service.error} retry={() => service.reload()} />}
      {service.status === 'ok' && (
        <dl class="facts">
          <div>
            <dt>Protect threshold</dt>
            <dd>{service.data.protectThreshold}</dd>
          </div>
          <div>
            <dt>Selector</dt>
            <dd>{service.data.selector.type}{service.data.selector.expression ? `: ${service.data.selector.expression}` : ''}</dd>
          </div>
          <div>
            <dt>Clusters</dt>
            <dd>{clusters.join(', ') || '—'}</dd>
          </div>
          <div>
            <dt>Metadata</dt>
            <dd>{Object.keys(service.data.metadata).length ? Object.entries(service.data.metadata).map(([k, v]) => <span class="tag" key={k}>{k}={v}</span>) : '—'}</dd>
          </div>
        </dl>
      )}
      <h2 class="section-title">
        Instances <span class="count">{instances.data ? list.length : ''}</span>
      </h2>
      {instances.status === 'error' && <ErrorState title={instances.data ? 'The last refresh failed (showing the previous list)' : 'Could not list the instances'} error={instances.error} retry={() => instances.reload()} />}
      {instances.status === 'loading' && !instances.data && <Skeleton rows={4} label="Loading instances" />}
      {instances.data && list.length === 0 && <Empty title="No instances">No instance is registered for this service right now. The list refreshes while Live is on.</Empty>}
      {instances.data && list.length > 0 && (
        <table class="table cards" data-table="instances">
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">Cluster</th>
              <th scope="col">Health</th>
              <th scope="col" class="num">Weight</th>
              <th scope="col">Metadata</th>
              <th scope="col">Traffic</th>
            </tr>
          </thead>
          <tbody>
            {list.map((i) => (
              <tr key={key(i)} data-instance={`${i.ip}:${i.port}`} class={i.enabled ? undefined : 'disabled'}>
                <td data-label="Address" class="primary-cell">
                  <code>
                    {i.ip}:{i.port}
                  </code>
                  {!i.ephemeral && <span class="tag">persistent</span>}
                </td>
                <td data-label="Cluster">{i.clusterName}</td>
                <td data-label="Health">
                  <span class={i.healthy ? 'health ok' : 'health bad'}>{i.healthy ? 'healthy' : 'unhealthy'}</span>
                </td>
                <td data-label="Weight" class="num">
                  <button type="button" class="btn small" aria-label={`Weight ${i.weight}: change`} onClick={() => setEditing(i)}>
                    {i.weight} ✎
                  </button>
                </td>
                <td data-label="Metadata" class="meta">
                  {Object.entries(i.metadata).map(([k, v]) => (
                    <span class="tag" key={k}>
                      {k}={v}
                    </span>
                  ))}
                </td>
                <td data-label="Traffic">
                  <button
                    type="button"
                    class={i.enabled ? 'switch on' : 'switch'}
                    role="switch"
                    aria-checked={i.enabled}
                    data-action="toggle-enabled"
                    disabled={pending === key(i)}
                    onClick={() => void update(i, { enabled: !i.enabled }, `${i.enabled ? 'Disabled' : 'Enabled'} ${i.ip}:${i.port}`)}
                  >
                    <span class="knob" aria-hidden="true" />
                    {pending === key(i) ? 'saving…' : i.enabled ? 'enabled' : 'disabled'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <WeightDialog instance={editing} onClose={() => setEditing(undefined)} onSave={(i, weight) => update(i, { weight }, `Weight of ${i.ip}:${i.port} set to ${weight}`)} />
    </section>
  );
}

function WeightDialog({ instance, onClose, onSave }: { instance: AdminInstance | undefined; onClose: () => void; onSave: (i: AdminInstance, weight: number) => Promise<void> }) {
  const [value, setValue] = useState('');
  useEffect(() => setValue(instance ? String(instance.weight) : ''), [instance]);
  const weight = Number(value);
  const valid = value.trim() !== '' && Number.isFinite(weight) && weight >= 0 && weight <= 10000;
  return (
    <Dialog open={instance !== undefined} title={instance ? `Weight of ${instance.ip}:${instance.port}` : 'Weight'} onClose={onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (!instance || !valid) return;
          onClose();
          await onSave(instance, weight);
        }}
      >
        <label class="field">
          <span>Weight (0–10000; 0 takes no traffic)</span>
          <input name="weight" type="number" min="0" max="10000" step="0.1" value={value} onInput={(e) => setValue(e.currentTarget.value)} autoFocus />
        </label>
        {!valid && <p class="hint">Enter a number from 0 to 10000.</p>}
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn primary" disabled={!valid}>
            Save weight
          </button>
        </div>
      </form>
    </Dialog>
  );
}
