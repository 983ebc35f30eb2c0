// Preact wrappers of the editor chunk: the chunk loads on first use; a skeleton holds its place meanwhile.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { DiffHandle, EditorHandle } from './codemirror.js';

const loadChunk = () => import('./codemirror.js');

function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => matchMedia('(max-width: 720px)').matches);
  useEffect(() => {
    const q = matchMedia('(max-width: 720px)');
    const on = () => setNarrow(q.matches);
    q.addEventListener('change', on);
    return () => q.removeEventListener('change', on);
  }, []);
  return narrow;
}

function EditorSkeleton({ failed }: { failed?: unknown }) {
  if (failed) return <p class="hint">The editor could not be loaded: {String(failed)}. Reload the page to try again.</p>;
  return (
    <div class="editor-skeleton" role="status" aria-label="Loading the editor">
      <span class="bone w60" />
      <span class="bone w40" />
      <span class="bone w50" />
    </div>
  );
}

export function CodeEditor({ value, type, onChange, label, readOnly }: { value: string; type: string; onChange?: (value: string) => void; label: string; readOnly?: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const handle = useRef<EditorHandle>();
  const changeRef = useRef(onChange);
  changeRef.current = onChange;
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState<unknown>();
  useEffect(() => {
    let alive = true;
    loadChunk()
      .then((m) => m.createEditor(host.current!, { value, type, label, readOnly: readOnly ?? false, onChange: (v) => changeRef.current?.(v) }))
      .then((h) => {
        if (!alive) return h.destroy();
        handle.current = h;
        setReady(true);
      }, setFailed);
    return () => {
      alive = false;
      handle.current?.destroy();
      handle.current = undefined;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [readOnly]);
  useEffect(() => handle.current?.setValue(value), [value, ready]);
  useEffect(() => handle.current?.setType(type), [type, ready]);
  return (
    <div class="code-frame" data-editor={ready ? 'ready' : 'loading'}>
      {!ready && <EditorSkeleton failed={failed} />}
      <div class="code-host" ref={host} />
    </div>
  );
}

export function DiffView({ a, b, type, aLabel, bLabel }: { a: string; b: string; type: string; aLabel: string; bLabel: string }) {
  const host = useRef<HTMLDivElement>(null);
  const narrow = useNarrow();
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState<unknown>();
  useEffect(() => {
    let alive = true;
    let handle: DiffHandle | undefined;
    setReady(false);
    loadChunk()
      .then((m) => m.createDiff(host.current!, { a, b, type, unified: narrow }))
      .then((h) => {
        if (!alive) return h.destroy();
        handle = h;
        setReady(true);
      }, setFailed);
    return () => {
      alive = false;
      handle?.destroy();
    };
  }, [a, b, type, narrow]);
  const same = a === b;
  return (
    <div class="diff" data-diff={ready ? 'ready' : 'loading'}>
      <div class={narrow ? 'diff-labels unified' : 'diff-labels'}>
        {narrow ? (
          <span>
            <del>{aLabel}</del> → <ins>{bLabel}</ins>
          </span>
        ) : (
          <>
            <span class="diff-a">{aLabel}</span>
            <span class="diff-b">{bLabel}</span>
          </>
        )}
      </div>
      {same && <p class="diff-same">No differences: both versions have the same content.</p>}
      {!ready && <EditorSkeleton failed={failed} />}
      <div class="diff-host" ref={host} />
    </div>
  );
}
