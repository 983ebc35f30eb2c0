import { useEffect, useState } from 'preact/hooks';
import { configs, errorCode, type ConfigDetail } from '../api.js';
import { CodeEditor, DiffView } from '../editor/Code.js';
import { href, namespace, navigate, noteError, notify, route, useStore } from '../state.js';
import { Confirm, ErrorState, formatTime, PageHead, Skeleton, useLoad } from '../ui.js';

export const TYPES = ['text', 'json', 'yaml', 'properties', 'xml', 'html', 'toml'];

interface Draft {
  content: string;
  type: string;
  description: string;
  tags: string;
  appName: string;
}

const toDraft = (c: ConfigDetail): Draft => ({ content: c.content, type: c.type || 'text', description: c.description ?? '', tags: (c.tags ?? []).join(', '), appName: c.appName ?? '' });
const tagList = (tags: string) => tags.split(',').map((t) => t.trim()).filter(Boolean);
const sameDraft = (a: Draft, b: Draft) => a.content === b.content && a.type === b.type && a.description === b.description && tagList(a.tags).join(',') === tagList(b.tags).join(',') && a.appName === b.appName;

/** Reads the config until the server answers `content` (reads lag writes), at most a few seconds. */
async function readBack(ref: { namespaceId: string; dataId: string; group: string }, content: string): Promise<ConfigDetail> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const now = await configs.get(ref);
    if (now.content === content || Date.now() > deadline) return now;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function ConfigEditor() {
  const { path, params } = useStore(route);
  const isNew = path === '/config/new';
  return isNew ? <Editor key="new" isNew /> : <Editor key={`${params.group}/${params.dataId}`} dataId={params.dataId ?? ''} group={params.group || 'DEFAULT_GROUP'} />;
}

function Editor({ isNew, dataId: givenDataId = '', group: givenGroup = 'DEFAULT_GROUP' }: { isNew?: boolean; dataId?: string; group?: string }) {
  const ns = useStore(namespace);
  const [dataId, setDataId] = useState(givenDataId);
  const [group, setGroup] = useState(givenGroup);
  const loaded = useLoad((signal) => (isNew ? Promise.resolve(undefined) : configs.get({ namespaceId: ns, dataId: givenDataId, group: givenGroup }, { signal })), [ns, givenDataId, givenGroup]);
  const [base, setBase] = useState<ConfigDetail>();
  const [draft, setDraft] = useState<Draft>({ content: '', type: 'text', description: '', tags: '', appName: '' });
  const [mode, setMode] = useState<'edit' | 'review' | 'conflict'>('edit');
  const [conflict, setConflict] = useState<ConfigDetail>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  useEffect(() => {
    if (loaded.status === 'ok' && loaded.data) {
      setBase(loaded.data);
      setDraft(toDraft(loaded.data));
    }
  }, [loaded.status, loaded.data]);
  const original: Draft = base ? toDraft(base) : { content: '', type: 'text', description: '', tags: '', appName: '' };
  const dirty = isNew ? draft.content !== '' || dataId !== '' : !sameDraft(draft, original);
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    addEventListener('beforeunload', warn);
    return () => removeEventListener('beforeunload', warn);
  }, [dirty]);

  if (!isNew && loaded.status === 'loading') return <Skeleton rows={8} label="Loading the config" />;
  if (!isNew && loaded.status === 'error')
    return (
      <ErrorState title={errorCode(loaded.error) === 'NOT_FOUND' ? `No config ${givenDataId} in ${givenGroup}` : 'Could not open the config'} error={loaded.error} retry={() => loaded.reload()} />
    );

  const ref = { namespaceId: ns, dataId: isNew ? dataId.trim() : givenDataId, group: isNew ? group.trim() || 'DEFAULT_GROUP' : givenGroup };

  async function publish(casMd5: string | undefined) {
    setBusy(true);
    setError(undefined);
    try {
      if (isNew) {
        const exists = await configs.get(ref).then(
          () => true,
          (e: unknown) => (errorCode(e) === 'NOT_FOUND' ? false : Promise.reject(e)),
        );
        if (exists) throw Object.assign(new Error(`${ref.dataId} already exists in ${ref.group}: open it to edit it.`), { code: 'VALIDATION' });
      }
      await configs.publish({ ...ref, content: draft.content, type: draft.type, description: draft.description, tags: tagList(draft.tags), appName: draft.appName, ...(casMd5 !== undefined ? { casMd5 } : {}) });
      notify(isNew ? `Created ${ref.dataId}` : `Published ${ref.dataId}`);
      if (isNew) {
        navigate('/config', { dataId: ref.dataId, group: ref.group }, true);
        return;
      }
      const now = await readBack(ref, draft.content);
      setBase(now);
      setDraft(toDraft(now));
      setMode('edit');
      setConflict(undefined);
    } catch (e) {
      if (errorCode(e) === 'CAS_CONFLICT') {
        try {
          setConflict(await configs.get(ref));
        } catch (inner) {
          setConflict(undefined);
          setError(inner);
        }
        setMode('conflict');
      } else {
        noteError(e);
        setError(e);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="editor-page" aria-labelledby="h-editor">
      <PageHead
        title={isNew ? 'New config' : givenDataId}
        sub={
          isNew ? (
            <>
              in namespace <strong>{ns || 'public'}</strong>
            </>
          ) : (
            <>
              <span class="tag">{givenGroup}</span> · namespace <strong>{ns || 'public'}</strong> · modified {formatTime(base?.modifyTime)}
              {base?.createUser ? ` by ${base.createUser}` : ''} · md5 <code>{base?.md5.slice(0, 8)}</code>
            </>
          )
        }
      >
        {!isNew && (
          <>
            <a class="btn" href={href('/history', { dataId: givenDataId, group: givenGroup })}>
              History
            </a>
            <button type="button" class="btn danger-outline" onClick={() => setConfirmDelete(true)}>
              Delete
            </button>
          </>
        )}
      </PageHead>
      <div class="meta-grid">
        {isNew && (
          <>
            <label class="field">
              <span>Data ID *</span>
              <input name="dataId" required value={dataId} onInput={(e) => setDataId(e.currentTarget.value)} placeholder="e.g. order-service.yaml" autoFocus />
            </label>
            <label class="field">
              <span>Group</span>
              <input name="group" value={group} onInput={(e) => setGroup(e.currentTarget.value)} />
            </label>
          </>
        )}
        <label class="field">
          <span>Type</span>
          <select name="type" value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.currentTarget.value })}>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>App</span>
          <input name="appName" value={draft.appName} onInput={(e) => setDraft({ ...draft, appName: e.currentTarget.value })} />
        </label>
        <label class="field">
          <span>Tags (comma-separated)</span>
          <input name="tags" value={draft.tags} onInput={(e) => setDraft({ ...draft, tags: e.currentTarget.value })} />
        </label>
        <label class="field wide">
          <span>Description</span>
          <input name="description" value={draft.description} onInput={(e) => setDraft({ ...draft, description: e.currentTarget.value })} />
        </label>
      </div>

      {mode === 'edit' && (
        <>
          <CodeEditor value={draft.content} type={draft.type} label="Config content" onChange={(content) => setDraft((d) => ({ ...d, content }))} />
          {error !== undefined && <ErrorState title="Not published" error={error} />}
          <div class="action-bar">
            <span class={dirty ? 'dirty on' : 'dirty'} data-dirty={dirty}>
              {dirty ? '● Unpublished changes' : 'No changes'}
            </span>
            {!isNew && (
              <button type="button" class="btn" disabled={!dirty || busy} onClick={() => base && setDraft(toDraft(base))}>
                Discard changes
              </button>
            )}
            {isNew ? (
              <button type="button" class="btn primary" disabled={busy || !dataId.trim() || draft.content === ''} onClick={() => void publish(undefined)}>
                {busy ? 'Creating…' : 'Create'}
              </button>
            ) : (
              <button type="button" class="btn primary" data-action="review" disabled={!dirty} onClick={() => (setError(undefined), setMode('review'))}>
                Review changes…
              </button>
            )}
          </div>
        </>
      )}

      {mode === 'review' && base && (
        <div class="panel" data-panel="review">
          <h2>Review before publishing</h2>
          <p class="sub">Left: what the server has now. Right: what you will publish.</p>
          <MetaChanges from={original} to={draft} />
          <DiffView a={base.content} b={draft.content} type={draft.type} aLabel={`Server · md5 ${base.md5.slice(0, 8)}`} bLabel="Your version" />
          {error !== undefined && <ErrorState title="Not published" error={error} />}
          <div class="action-bar">
            <button type="button" class="btn" onClick={() => setMode('edit')} disabled={busy}>
              Back to editing
            </button>
            <button type="button" class="btn primary" data-action="publish" disabled={busy} onClick={() => void publish(base.md5)}>
              {busy ? 'Publishing…' : 'Publish'}
            </button>
          </div>
        </div>
      )}

      {mode === 'conflict' && (
        <div class="panel conflict" data-panel="conflict" role="alert">
          <h2>Conflict: the config changed on the server</h2>
          <p>
            Someone published <strong>{ref.dataId}</strong> after you opened it{conflict ? <> (modified {formatTime(conflict.modifyTime)}{conflict.createUser ? ` by ${conflict.createUser}` : ''})</> : null}. Your version was <strong>not</strong> published.
          </p>
          {conflict && <DiffView a={conflict.content} b={draft.content} type={draft.type} aLabel={`Server now · md5 ${conflict.md5.slice(0, 8)}`} bLabel="Your version" />}
          {error !== undefined && <ErrorState title="Could not read the server's version" error={error} />}
          <div class="action-bar">
            <button
              type="button"
              class="btn"
              data-action="reload"
              disabled={busy || !conflict}
              onClick={() => {
                if (!conflict) return;
                setBase(conflict);
                setDraft(toDraft(conflict));
                setMode('edit');
                notify('Loaded the server’s version; your edits were dropped.');
              }}
            >
              Load the server’s version (drop mine)
            </button>
            <button
              type="button"
              class="btn"
              disabled={busy || !conflict}
              onClick={() => {
                if (conflict) setBase(conflict);
                setMode('edit');
              }}
            >
              Keep editing mine
            </button>
            <button type="button" class="btn danger" data-action="overwrite" disabled={busy || !conflict} onClick={() => conflict && void publish(conflict.md5)}>
              {busy ? 'Publishing…' : 'Overwrite with mine'}
            </button>
          </div>
        </div>
      )}

      <Confirm
        open={confirmDelete}
        title={`Delete ${givenDataId}?`}
        action="Delete config"
        danger
        onClose={() => setConfirmDelete(false)}
        onConfirm={async () => {
          await configs.delete(ref);
          notify(`Deleted ${givenDataId}`);
          navigate('/configs');
        }}
      >
        <p>
          Applications reading <strong>{givenDataId}</strong> ({givenGroup}) will no longer find it. Its history stays: you can restore it from there.
        </p>
      </Confirm>
    </section>
  );
}

function MetaChanges({ from, to }: { from: Draft; to: Draft }) {
  const rows = (['type', 'appName', 'tags', 'description'] as const).filter((k) => (k === 'tags' ? tagList(from.tags).join(',') !== tagList(to.tags).join(',') : from[k] !== to[k]));
  if (rows.length === 0) return null;
  return (
    <ul class="meta-changes">
      {rows.map((k) => (
        <li key={k}>
          <strong>{k}</strong>: <del>{from[k] || '—'}</del> → <ins>{to[k] || '—'}</ins>
        </li>
      ))}
    </ul>
  );
}
