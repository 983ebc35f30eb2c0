// No import cycles between the modules, static or dynamic (type-only imports vanish at build time and do not count).
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

/** The runtime import graph of src/, from esbuild's metafile. */
async function importGraph(): Promise<Map<string, string[]>> {
  const result = await build({
    entryPoints: sources('src'),
    bundle: true,
    write: false,
    metafile: true,
    outdir: 'out',
    format: 'esm',
    platform: 'node',
    packages: 'external',
    logLevel: 'error',
  });
  const graph = new Map<string, string[]>();
  for (const [path, input] of Object.entries(result.metafile.inputs)) {
    graph.set(relative('.', path), input.imports.filter((i) => !i.external && (i.kind === 'import-statement' || i.kind === 'dynamic-import')).map((i) => relative('.', i.path)));
  }
  return graph;
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'active' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'active') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'active');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('module graph', () => {
  it('has no import cycle', async () => {
    const graph = await importGraph();
    expect(graph.size).toBeGreaterThan(30);
    expect(graph.get('src/config/read.ts')).toContain('src/config/read-v3.ts');
    expect(findCycle(graph)).toBeUndefined();
  });

  it('the cycle finder finds one', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
    ]);
    expect(findCycle(graph)).toEqual(['a', 'b', 'c', 'a']);
  });
});
