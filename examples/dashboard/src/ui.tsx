// Shared pieces: loading with cancellation, the designed loading/empty/error states, dialogs, paging.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorCode, errorMessage } from './api.js';
import { noteError } from './state.js';

export type Load<T> =
  | { status: 'loading'; data?: T; error?: undefined }
  | { status: 'ok'; data: T; error?: undefined }
  | { status: 'error'; data?: T; error: unknown };

/**
 * Runs `load` when `deps` change (aborting the previous run) and on reload(). A background reload keeps the data it
 * has (no skeleton flash on a live refresh). AUTH errors also raise the sign-in prompt.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Load<T> & { reload: (background?: boolean) => void } {
  const [state, setState] = useState<Load<T>>({ status: 'loading' });
  const [tick, setTick] = useState<{ n: number; background: boolean }>({ n: 0, background: false });
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const controller = new AbortController();
    if (!tick.background) setState({ status: 'loading' });
    loadRef.current(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ status: 'ok', data }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        noteError(error);
        setState((prev) => ({ status: 'error', error, ...(prev.data !== undefined ? { data: prev.data } : {}) }));
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback((background = false) => setTick((t) => ({ n: t.n + 1, background })), []);
  return { ...state, reload };
}

export function Skeleton({ rows = 5, label = 'Loading' }: { rows?: number; label?: string }) {
  return (
    <div class="skeleton" role="status" aria-live="polite" aria-label={label}>
      {Array.from({ length: rows }, (_, i) => (
        <div class="skeleton-row" key={i}>
          <span class="bone w40" />
          <span class="bone w20" />
          <span class="bone w15" />
        </div>
      ))}
      <span class="sr-only">{label}…</span>
    </div>
  );
}

export function Empty({ title, children, action }: { title: string; children?: ComponentChildren; action?: ComponentChildren }) {
  return (
    <div class="state empty" data-state="empty">
      <div class="state-icon" aria-hidden="true">∅</div>
      <h3>{title}</h3>
      {children && <p>{children}</p>}
      {action && <div class="state-actions">{action}</div>}
    </div>
  );
}

const HINTS: Record<string, string> = {
  NOT_FOUND: 'It may have been deleted, or it lives in another namespace.',
  AUTH: 'The server refused the request: sign in again, or ask for the permission.',
  VALIDATION: 'Check the values you entered.',
  NETWORK: 'The dashboard could not reach its server: check that the proxy and Nacos are running.',
  TIMEOUT: 'The server took too long to answer.',
  SERVER: 'Nacos answered with an error.',
  UNSUPPORTED: 'This Nacos server does not offer this.',
  CAS_CONFLICT: 'Someone else changed it first.',
};

export function ErrorState({ error, retry, title = 'Something went wrong' }: { error: unknown; retry?: () => void; title?: string }) {
  const code = errorCode(error);
  return (
    <div class="state error" role="alert" data-state="error">
      <div class="state-icon" aria-hidden="true">!</div>
      <h3>{title}</h3>
      <p class="error-message">
        {code && <code class="code">{code}</code>} {errorMessage(error)}
      </p>
      {code && HINTS[code] && <p class="hint">{HINTS[code]}</p>}
      {retry && (
        <div class="state-actions">
          <button type="button" class="btn" onClick={() => retry()}>
            Try again
          </button>
        </div>
      )}
    </div>
  );
}

/** A modal on the native <dialog>: focus stays inside, Esc closes it (the browser's cancel event). */
export function Dialog({ open, title, onClose, children, wide }: { open: boolean; title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (open && !el.open) el.showModal();
    if (!open && el.open) el.close();
  }, [open]);
  return (
    <dialog ref={ref} class={wide ? 'dialog wide' : 'dialog'} aria-label={title} onClose={() => open && onClose()}>
      {open && (
        <>
          <header class="dialog-head">
            <h2>{title}</h2>
            <button type="button" class="btn icon" aria-label="Close" onClick={onClose}>
              ✕
            </button>
          </header>
          <div class="dialog-body">{children}</div>
        </>
      )}
    </dialog>
  );
}

/** A confirmation dialog whose action runs async; errors show inside it. */
export function Confirm({ open, title, children, action, danger, onClose, onConfirm }: { open: boolean; title: string; children: ComponentChildren; action: string; danger?: boolean; onClose: () => void; onConfirm: () => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (open) setError(undefined);
  }, [open]);
  return (
    <Dialog open={open} title={title} onClose={onClose}>
      {children}
      {error !== undefined && <ErrorState error={error} title="That did not work" />}
      <div class="dialog-actions">
        <button type="button" class="btn" onClick={onClose} disabled={busy}>
          Cancel
        </button>
        <button
          type="button"
          class={danger ? 'btn danger' : 'btn primary'}
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setError(undefined);
            try {
              await onConfirm();
              onClose();
            } catch (e) {
              noteError(e);
              setError(e);
            } finally {
              setBusy(false);
            }
          }}
        >
          {busy ? 'Working…' : action}
        </button>
      </div>
    </Dialog>
  );
}

export function Pager({ pageNumber, pagesAvailable, totalCount, onPage }: { pageNumber: number; pagesAvailable: number; totalCount: number; onPage: (n: number) => void }) {
  if (totalCount === 0) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" class="btn" disabled={pageNumber <= 1} onClick={() => onPage(pageNumber - 1)}>
        ← Previous
      </button>
      <span>
        Page {pageNumber} of {Math.max(1, pagesAvailable)} · {totalCount} in all
      </span>
      <button type="button" class="btn" disabled={pageNumber >= pagesAvailable} onClick={() => onPage(pageNumber + 1)}>
        Next →
      </button>
    </nav>
  );
}

export function formatTime(ms: number | undefined): string {
  if (!ms) return '—';
  const d = new Date(ms);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function PageHead({ title, children, sub }: { title: string; children?: ComponentChildren; sub?: ComponentChildren }) {
  return (
    <div class="page-head">
      <div>
        <h1>{title}</h1>
        {sub && <p class="sub">{sub}</p>}
      </div>
      {children && <div class="page-actions">{children}</div>}
    </div>
  );
}
