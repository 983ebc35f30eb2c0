// The lazily loaded editor chunk: CodeMirror 6 with the languages of Nacos config types, and @codemirror/merge for
// diffs. Each language is a chunk of its own, loaded when a config of that type is opened.
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, foldGutter, indentOnInput, StreamLanguage, syntaxHighlighting, type LanguageSupport } from '@codemirror/language';
import { MergeView, unifiedMergeView } from '@codemirror/merge';
import { highlightSelectionMatches, search, searchKeymap } from '@codemirror/search';
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';

/** The language of a Nacos config type (text, json, xml, yaml, html, properties, toml). */
async function language(type: string): Promise<Extension> {
  switch (type) {
    case 'json':
      return (await import('@codemirror/lang-json')).json();
    case 'yaml':
      return (await import('@codemirror/lang-yaml')).yaml();
    case 'xml':
      return (await import('@codemirror/lang-xml')).xml();
    case 'html':
      return ((await import('@codemirror/lang-html')).html() as LanguageSupport);
    case 'properties':
      return StreamLanguage.define((await import('@codemirror/legacy-modes/mode/properties')).properties);
    case 'toml':
      return StreamLanguage.define((await import('@codemirror/legacy-modes/mode/toml')).toml);
    default:
      return [];
  }
}

const theme = EditorView.theme({
  '&': { fontSize: '13px', height: '100%' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', lineHeight: '1.5' },
  '.cm-gutters': { background: '#f6f7f9', borderRight: '1px solid #e3e6ea', color: '#8a93a0' },
  '&.cm-focused': { outline: '2px solid #2563eb', outlineOffset: '-2px' },
});

function base(readOnly: boolean): Extension[] {
  return [
    lineNumbers(),
    foldGutter(),
    drawSelection(),
    indentOnInput(),
    bracketMatching(),
    highlightActiveLine(),
    highlightActiveLineGutter(),
    highlightSelectionMatches(),
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    history(),
    search(),
    // Tab indents, Esc then Tab leaves the editor (CodeMirror's own escape hatch keeps it keyboard-reachable).
    keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, indentWithTab]),
    EditorState.readOnly.of(readOnly),
    EditorView.editable.of(!readOnly),
    EditorView.lineWrapping,
    theme,
  ];
}

export interface EditorHandle {
  setValue(value: string): void;
  setType(type: string): void;
  focus(): void;
  destroy(): void;
}

export async function createEditor(parent: HTMLElement, options: { value: string; type: string; label: string; readOnly?: boolean; onChange?: (value: string) => void }): Promise<EditorHandle> {
  const lang = new Compartment();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: options.value,
      extensions: [
        base(options.readOnly ?? false),
        lang.of(await language(options.type)),
        EditorView.contentAttributes.of({ 'aria-label': options.label }),
        EditorView.updateListener.of((u) => u.docChanged && options.onChange?.(u.state.doc.toString())),
      ],
    }),
  });
  let typeSeq = 0;
  return {
    setValue(value) {
      if (value !== view.state.doc.toString()) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
    },
    setType(type) {
      const seq = ++typeSeq;
      void language(type).then((ext) => seq === typeSeq && view.dispatch({ effects: lang.reconfigure(ext) }));
    },
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}

export interface DiffHandle {
  destroy(): void;
}

/**
 * A read-only diff: side by side (`a` left, `b` right) on a wide screen, unified (deleted lines inline) on a narrow
 * one.
 */
export async function createDiff(parent: HTMLElement, options: { a: string; b: string; type: string; unified?: boolean }): Promise<DiffHandle> {
  const lang = await language(options.type);
  const extensions = [base(true), lang];
  if (options.unified) {
    const view = new EditorView({ parent, state: EditorState.create({ doc: options.b, extensions: [extensions, unifiedMergeView({ original: options.a, mergeControls: false, highlightChanges: true })] }) });
    return { destroy: () => view.destroy() };
  }
  const view = new MergeView({ parent, a: { doc: options.a, extensions }, b: { doc: options.b, extensions }, highlightChanges: true, gutter: true, collapseUnchanged: { margin: 3, minSize: 6 } });
  return { destroy: () => view.destroy() };
}
