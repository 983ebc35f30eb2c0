import { useEffect, useState } from 'preact/hooks';
import { namespaces, type Namespace } from '../api.js';
import { namespacesVersion, useNamespaces } from '../namespaces.js';
import { namespace, navigate, notify } from '../state.js';
import { Confirm, Dialog, Empty, ErrorState, PageHead, Skeleton } from '../ui.js';

export function Namespaces() {
  const list = useNamespaces();
  const [editing, setEditing] = useState<Namespace | 'new'>();
  const [deleting, setDeleting] = useState<Namespace>();
  const changed = () => namespacesVersion.set(namespacesVersion.value + 1);
  return (
    <section>
      <PageHead title="Namespaces" sub="Namespaces isolate configs and services (one per environment or tenant).">
        <button type="button" class="btn primary" onClick={() => setEditing('new')}>
          New namespace
        </button>
      </PageHead>
      {list.status === 'loading' && <Skeleton rows={4} label="Loading namespaces" />}
      {list.status === 'error' && <ErrorState title="Could not list the namespaces" error={list.error} retry={() => list.reload()} />}
      {list.status === 'ok' && list.data.length === 0 && <Empty title="No namespaces">The server answered none, not even the public one.</Empty>}
      {list.status === 'ok' && list.data.length > 0 && (
        <table class="table cards" data-table="namespaces">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">ID</th>
              <th scope="col">Description</th>
              <th scope="col" class="num">Configs</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((n) => {
              const isPublic = n.type === 0;
              return (
                <tr key={n.id} data-namespace={n.id}>
                  <td data-label="Name" class="primary-cell">
                    {isPublic ? 'public' : n.name}
                  </td>
                  <td data-label="ID">
                    <code>{n.id || 'public'}</code>
                  </td>
                  <td data-label="Description">{n.description || '—'}</td>
                  <td data-label="Configs" class="num">
                    {n.configCount}
                    {n.quota ? ` / ${n.quota}` : ''}
                  </td>
                  <td class="row-actions">
                    <button
                      type="button"
                      class="btn small"
                      onClick={() => {
                        namespace.set(isPublic ? '' : n.id);
                        navigate('/configs');
                      }}
                    >
                      Open
                    </button>
                    {!isPublic && (
                      <>
                        <button type="button" class="btn small" onClick={() => setEditing(n)}>
                          Edit
                        </button>
                        <button type="button" class="btn small danger-outline" onClick={() => setDeleting(n)}>
                          Delete
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <NamespaceDialog value={editing} onClose={() => setEditing(undefined)} onSaved={changed} />
      <Confirm
        open={deleting !== undefined}
        title={`Delete namespace ${deleting?.name ?? ''}?`}
        action="Delete namespace"
        danger
        onClose={() => setDeleting(undefined)}
        onConfirm={async () => {
          if (!deleting) return;
          await namespaces.delete(deleting.id);
          if (namespace.value === deleting.id) namespace.set('');
          notify(`Deleted namespace ${deleting.name}`);
          changed();
        }}
      >
        <p>
          Namespace <code>{deleting?.id}</code> holds {deleting?.configCount ?? 0} config(s). Applications pointed at it stop finding their configs and services.
        </p>
      </Confirm>
    </section>
  );
}

function NamespaceDialog({ value, onClose, onSaved }: { value: Namespace | 'new' | undefined; onClose: () => void; onSaved: () => void }) {
  const isNew = value === 'new';
  const [form, setForm] = useState({ id: '', name: '', description: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    setError(undefined);
    setForm(value && value !== 'new' ? { id: value.id, name: value.name, description: value.description } : { id: '', name: '', description: '' });
  }, [value]);
  return (
    <Dialog open={value !== undefined} title={isNew ? 'New namespace' : `Edit ${form.name}`} onClose={onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            if (isNew) {
              const id = await namespaces.create({ ...(form.id.trim() ? { id: form.id.trim() } : {}), name: form.name.trim(), description: form.description });
              notify(`Created namespace ${form.name} (${id})`);
            } else {
              await namespaces.update({ id: form.id, name: form.name.trim(), description: form.description });
              notify(`Saved namespace ${form.name}`);
            }
            onSaved();
            onClose();
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label class="field">
          <span>ID {isNew ? '(optional: generated when empty)' : ''}</span>
          <input name="id" value={form.id} disabled={!isNew} onInput={(e) => setForm({ ...form, id: e.currentTarget.value })} pattern="[A-Za-z0-9_\-]*" />
        </label>
        <label class="field">
          <span>Name *</span>
          <input name="name" required value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} autoFocus />
        </label>
        <label class="field">
          <span>Description</span>
          <input name="description" value={form.description} onInput={(e) => setForm({ ...form, description: e.currentTarget.value })} />
        </label>
        {error !== undefined && <ErrorState title="Not saved" error={error} />}
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn primary" disabled={busy || !form.name.trim()}>
            {busy ? 'Saving…' : isNew ? 'Create' : 'Save'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
