import { useState } from 'preact/hooks';
import { configs, errorCode, type HistoryEntry } from '../api.js';
import { DiffView } from '../editor/Code.js';
import { href, namespace, navigate, notify, route, useStore } from '../state.js';
import { Confirm, Empty, ErrorState, formatTime, PageHead, Pager, Skeleton, useLoad } from '../ui.js';

const OPS: Record<string, string> = { I: 'created', U: 'updated', D: 'deleted' };

export function History() {
  const { params } = useStore(route);
  const ns = useStore(namespace);
  const dataId = params.dataId ?? '';
  const group = params.group || 'DEFAULT_GROUP';
  const page = Math.max(1, Number(params.page) || 1);
  const selected = params.id;
  const ref = { namespaceId: ns, dataId, group };
  const list = useLoad((signal) => configs.historyPage(ref, { pageNumber: page, pageSize: 10, signal }), [ns, dataId, group, page]);
  const select = (id: string | undefined, p = page) => navigate('/history', { dataId, group, page: p > 1 ? p : undefined, id }, true);
  return (
    <section aria-labelledby="h-history">
      <PageHead
        title={`History of ${dataId}`}
        sub={
          <>
            <span class="tag">{group}</span> · namespace <strong>{ns || 'public'}</strong>
          </>
        }
      >
        <a class="btn" href={href('/config', { dataId, group })}>
          Open in editor
        </a>
      </PageHead>
      <div class="split">
        <div class="split-list">
          {list.status === 'loading' && <Skeleton rows={6} label="Loading the history" />}
          {list.status === 'error' && <ErrorState title="Could not read the history" error={list.error} retry={() => list.reload()} />}
          {list.status === 'ok' && list.data.items.length === 0 && (
            <Empty title="No history yet" action={<a class="btn" href={href('/config', { dataId, group })}>Open the config</a>}>
              Nacos records a version each time the config is published or deleted (kept for 30 days by default).
            </Empty>
          )}
          {list.status === 'ok' && list.data.items.length > 0 && (
            <>
              <ol class="history-list" aria-label="Versions, newest first">
                {list.data.items.map((h) => (
                  <li key={h.id}>
                    <button type="button" class={h.id === selected ? 'history-item selected' : 'history-item'} aria-pressed={h.id === selected} data-history={h.id} onClick={() => select(h.id)}>
                      <span class={`op op-${h.opType.trim()}`}>{OPS[h.opType.trim()] ?? h.opType}</span>
                      <span class="when">{formatTime(h.modifyTime)}</span>
                      <span class="who">
                        {h.srcUser || 'unknown user'} · {h.srcIp || '—'} · md5 <code>{h.md5.slice(0, 8)}</code>
                      </span>
                    </button>
                  </li>
                ))}
              </ol>
              <Pager {...list.data} onPage={(p) => select(undefined, p)} />
            </>
          )}
        </div>
        <div class="split-detail">
          {selected ? <Entry key={selected} id={selected} refer={ref} onRolledBack={() => list.reload(true)} /> : list.status === 'ok' && list.data.items.length > 0 && <p class="hint pad">Choose a version to see its content, compare it and roll back to it.</p>}
        </div>
      </div>
    </section>
  );
}

function Entry({ id, refer, onRolledBack }: { id: string; refer: { namespaceId: string; dataId: string; group: string }; onRolledBack: () => void }) {
  const [against, setAgainst] = useState<'previous' | 'current'>('previous');
  const [confirm, setConfirm] = useState(false);
  const entry = useLoad((signal) => configs.historyEntry({ ...refer, id }, { signal }), [id]);
  const other = useLoad<{ content: string; label: string; type: string } | undefined>(
    async (signal) => {
      if (against === 'previous') {
        try {
          const prev = await configs.previous({ ...refer, id }, { signal });
          const full = prev.content !== undefined ? prev : await configs.historyEntry({ ...refer, id: prev.id }, { signal });
          return { content: full.content ?? '', label: `Previous · ${formatTime(prev.modifyTime)}`, type: 'text' };
        } catch (e) {
          if (errorCode(e) === 'NOT_FOUND') return undefined;
          throw e;
        }
      }
      try {
        const now = await configs.get(refer, { signal });
        return { content: now.content, label: `Current · md5 ${now.md5.slice(0, 8)}`, type: now.type || 'text' };
      } catch (e) {
        if (errorCode(e) === 'NOT_FOUND') return { content: '', label: 'Current · deleted', type: 'text' };
        throw e;
      }
    },
    [id, against],
  );
  if (entry.status === 'loading') return <Skeleton rows={4} label="Loading the version" />;
  if (entry.status === 'error') return <ErrorState title="Could not read this version" error={entry.error} retry={() => entry.reload()} />;
  const h: HistoryEntry = entry.data;
  const label = `This version · ${formatTime(h.modifyTime)}`;
  return (
    <div class="panel" data-panel="history-entry">
      <div class="entry-head">
        <h2>
          Version of {formatTime(h.modifyTime)} <span class={`op op-${h.opType.trim()}`}>{OPS[h.opType.trim()] ?? h.opType}</span>
        </h2>
        <button type="button" class="btn primary" data-action="rollback" onClick={() => setConfirm(true)}>
          Roll back to this version
        </button>
      </div>
      <div class="segmented" role="group" aria-label="Compare with">
        <button type="button" aria-pressed={against === 'previous'} onClick={() => setAgainst('previous')}>
          vs previous version
        </button>
        <button type="button" aria-pressed={against === 'current'} onClick={() => setAgainst('current')}>
          vs current version
        </button>
      </div>
      {other.status === 'loading' && <Skeleton rows={3} label="Loading the comparison" />}
      {other.status === 'error' && <ErrorState title="Could not load the version to compare with" error={other.error} retry={() => other.reload()} />}
      {other.status === 'ok' && other.data === undefined && <p class="hint">This is the first recorded version: nothing before it to compare with.</p>}
      {other.status === 'ok' && other.data && (against === 'previous' ? <DiffView a={other.data.content} b={h.content ?? ''} type={other.data.type} aLabel={other.data.label} bLabel={label} /> : <DiffView a={h.content ?? ''} b={other.data.content} type={other.data.type} aLabel={label} bLabel={other.data.label} />)}
      {other.status === 'ok' && other.data === undefined && <pre class="content-view">{h.content}</pre>}
      <Confirm
        open={confirm}
        title="Roll back?"
        action="Roll back"
        onClose={() => setConfirm(false)}
        onConfirm={async () => {
          await configs.rollback({ ...refer, id });
          notify(`Rolled ${refer.dataId} back to the version of ${formatTime(h.modifyTime)}`);
          onRolledBack();
        }}
      >
        <p>
          This publishes the content of <strong>{formatTime(h.modifyTime)}</strong> as the current <strong>{refer.dataId}</strong>
          {h.opType.trim() === 'D' ? ' (the config was deleted then: rolling back re-creates it)' : ''}. Applications listening get it at once. It is recorded as a new version.
        </p>
      </Confirm>
    </div>
  );
}
