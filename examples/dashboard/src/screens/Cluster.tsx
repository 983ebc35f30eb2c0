import { useState } from 'preact/hooks';
import { admin } from '../api.js';
import { ErrorState, PageHead, Skeleton, useLoad } from '../ui.js';

const show = (v: unknown): string => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function Cluster() {
  const members = useLoad((signal) => admin.cluster.members({ signal }), []);
  const health = useLoad((signal) => admin.cluster.health({ signal }), []);
  const state = useLoad((signal) => admin.cluster.state({ signal }), []);
  const switches = useLoad((signal) => admin.cluster.switches({ signal }), []);
  const [showSwitches, setShowSwitches] = useState(false);
  return (
    <section>
      <PageHead title="Cluster" sub="Read-only: members, the server's state and its naming switches.">
        <button type="button" class="btn" onClick={() => [members, health, state, switches].forEach((l) => l.reload())}>
          Refresh
        </button>
      </PageHead>
      <div class="cards-row">
        <HealthCard label="Liveness" value={health.status === 'ok' ? health.data.live : undefined} loading={health.status === 'loading'} />
        <HealthCard label="Readiness" value={health.status === 'ok' ? health.data.ready : undefined} loading={health.status === 'loading'} />
        <div class="stat">
          <span class="stat-label">Members up</span>
          <span class="stat-value">{members.status === 'ok' ? `${members.data.filter((m) => m.state === 'UP').length}/${members.data.length}` : '…'}</span>
        </div>
        <div class="stat">
          <span class="stat-label">Version</span>
          <span class="stat-value small">{state.status === 'ok' ? show(state.data.version ?? state.data.serverVersion) : '…'}</span>
        </div>
      </div>
      {health.status === 'error' && <ErrorState title="Could not read the health" error={health.error} retry={() => health.reload()} />}
      <h2 class="section-title">Members</h2>
      {members.status === 'loading' && <Skeleton rows={3} label="Loading members" />}
      {members.status === 'error' && <ErrorState title="Could not list the members" error={members.error} retry={() => members.reload()} />}
      {members.status === 'ok' && (
        <table class="table cards" data-table="members">
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">State</th>
              <th scope="col">Version</th>
              <th scope="col">Last refreshed</th>
            </tr>
          </thead>
          <tbody>
            {members.data.map((m) => (
              <tr key={m.address} data-member={m.address}>
                <td data-label="Address" class="primary-cell">
                  <code>{m.address}</code>
                </td>
                <td data-label="State">
                  <span class={m.state === 'UP' ? 'health ok' : m.state === 'DOWN' ? 'health bad' : 'health partial'}>{m.state}</span>
                </td>
                <td data-label="Version">{show(m.extendInfo.version)}</td>
                <td data-label="Last refreshed">{typeof m.extendInfo.lastRefreshTime === 'number' ? new Date(m.extendInfo.lastRefreshTime).toLocaleString() : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2 class="section-title">Server state</h2>
      {state.status === 'loading' && <Skeleton rows={3} label="Loading the state" />}
      {state.status === 'error' && <ErrorState title="Could not read the state" error={state.error} retry={() => state.reload()} />}
      {state.status === 'ok' && <KeyValues data={state.data} label="state" />}
      <h2 class="section-title">
        Naming switches{' '}
        <button type="button" class="btn small" aria-expanded={showSwitches} onClick={() => setShowSwitches(!showSwitches)}>
          {showSwitches ? 'Hide' : 'Show'}
        </button>
      </h2>
      {showSwitches && switches.status === 'loading' && <Skeleton rows={3} label="Loading the switches" />}
      {showSwitches && switches.status === 'error' && <ErrorState title="Could not read the switches" error={switches.error} retry={() => switches.reload()} />}
      {showSwitches && switches.status === 'ok' && <KeyValues data={switches.data} label="switches" />}
    </section>
  );
}

function HealthCard({ label, value, loading }: { label: string; value: boolean | undefined; loading: boolean }) {
  return (
    <div class="stat" data-health={label}>
      <span class="stat-label">{label}</span>
      <span class={`stat-value ${value === true ? 'good' : value === false ? 'bad' : ''}`}>{loading ? '…' : value === undefined ? '?' : value ? 'OK' : 'failing'}</span>
    </div>
  );
}

function KeyValues({ data, label }: { data: Record<string, unknown>; label: string }) {
  const entries = Object.entries(data).sort(([a], [b]) => a.localeCompare(b));
  return (
    <dl class="kv" data-kv={label}>
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{show(v)}</dd>
        </div>
      ))}
    </dl>
  );
}
