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

/**
 * Nacos records the content a change replaced, not the one it wrote: a `U` entry holds the config as it was before
 * that update, a `D` entry as it was when deleted, an `I` entry what was created. So what a change did is the entry's
 * content → the content recorded by the next newer entry (or the current config, for the newest one).
 */
const HELD: Record<string, string> = { I: 'Created', U: 'Before the update', D: 'When deleted' };

/** The id of the entry recorded just after `id` (the lists are newest first), or null when `id` is the newest. */
async function newerThan(ref: { namespaceId: string; dataId: string; group: string }, id: string, signal: AbortSignal): Promise<string | null> {
  let newer: string | null = null;
  for (let pageNumber = 1; ; pageNumber++) {
    const page = await configs.historyPage(ref, { pageNumber, pageSize: 50, signal });
    for (const item of page.items) {
      if (item.id === id) return newer;
      newer = item.id;
    }
    if (page.items.length === 0 || pageNumber >= page.pagesAvailable) return null;
  }
}

interface Side {
  content: string;
  label: string;
}

function Entry({ id, refer, onRolledBack }: { id: string; refer: { namespaceId: string; dataId: string; group: string }; onRolledBack: () => void }) {
  const [against, setAgainst] = useState<'change' | 'current'>('change');
  const [confirm, setConfirm] = useState(false);
  const entry = useLoad((signal) => configs.historyEntry({ ...refer, id }, { signal }), [id]);
  const current = async (signal: AbortSignal): Promise<Side> => {
    try {
      const now = await configs.get(refer, { signal });
      return { content: now.content, label: `Current · md5 ${now.md5.slice(0, 8)}` };
    } catch (e) {
      if (errorCode(e) === 'NOT_FOUND') return { content: '', label: 'Current · deleted' };
      throw e;
    }
  };
  const other = useLoad<{ before: Side; after: Side } | undefined>(
    async (signal) => {
      if (entry.status !== 'ok') return undefined;
      const h = entry.data;
      const op = h.opType.trim();
      const when = formatTime(h.modifyTime);
      const held = { content: h.content ?? '', label: `${HELD[op] ?? 'Recorded'} · ${when}` };
      if (against === 'current') return { before: held, after: await current(signal) };
      if (op === 'I') return { before: { content: '', label: 'Did not exist' }, after: held };
      if (op === 'D') return { before: held, after: { content: '', label: `Deleted · ${when}` } };
      const newer = await newerThan(refer, id, signal);
      if (newer === null) return { before: held, after: { ...(await current(signal)), label: `After the update · ${when}` } };
      const next = await configs.historyEntry({ ...refer, id: newer }, { signal });
      return { before: held, after: { content: next.content ?? '', label: `After the update · ${when}` } };
    },
    [id, against, entry.status],
  );
  if (entry.status === 'loading') return <Skeleton rows={4} label="Loading the version" />;
  if (entry.status === 'error') return <ErrorState title="Could not read this version" error={entry.error} retry={() => entry.reload()} />;
  const h: HistoryEntry = entry.data;
  const op = h.opType.trim();
  const restores = op === 'U' ? 'the content from before this update' : op === 'D' ? 'the content it had when it was deleted' : 'the content it was created with';
  return (
    <div class="panel" data-panel="history-entry">
      <div class="entry-head">
        <h2>
          {formatTime(h.modifyTime)} <span class={`op op-${op}`}>{OPS[op] ?? h.opType}</span>
        </h2>
        <button type="button" class="btn primary" data-action="rollback" onClick={() => setConfirm(true)}>
          Roll back to {op === 'U' ? 'before this change' : 'this version'}
        </button>
      </div>
      <p class="sub">
        by {h.srcUser || 'an unknown user'} from {h.srcIp || 'an unknown address'}. Nacos keeps {restores} in this entry.
      </p>
      <div class="segmented" role="group" aria-label="Compare">
        <button type="button" aria-pressed={against === 'change'} onClick={() => setAgainst('change')}>
          What this change did
        </button>
        <button type="button" aria-pressed={against === 'current'} onClick={() => setAgainst('current')}>
          Kept version vs current
        </button>
      </div>
      {other.status === 'loading' && <Skeleton rows={3} label="Loading the comparison" />}
      {other.status === 'error' && <ErrorState title="Could not load the version to compare with" error={other.error} retry={() => other.reload()} />}
      {other.status === 'ok' && other.data && <DiffView a={other.data.before.content} b={other.data.after.content} type={h.type || 'text'} aLabel={other.data.before.label} bLabel={other.data.after.label} />}
      <Confirm
        open={confirm}
        title="Roll back?"
        action="Roll back"
        onClose={() => setConfirm(false)}
        onConfirm={async () => {
          await configs.rollback({ ...refer, id });
          notify(`Rolled ${refer.dataId} back to ${op === 'U' ? 'before the update of' : 'the version of'} ${formatTime(h.modifyTime)}`);
          onRolledBack();
        }}
      >
        <p>
          This publishes {restores} ({formatTime(h.modifyTime)}) as the current <strong>{refer.dataId}</strong>
          {op === 'D' ? ': the config is re-created' : ''}. Applications listening get it at once. It is recorded as a new version.
        </p>
      </Confirm>
    </div>
  );
}
