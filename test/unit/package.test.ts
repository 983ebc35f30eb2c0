// The package surface: package.json exports, files and jsr.json agree with each other and with src/.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  version: string;
  type: string;
  sideEffects: boolean;
  exports: Record<string, string | { types: string; default: string }>;
  bin: Record<string, string>;
  engines: { node: string };
};
const jsr = JSON.parse(readFileSync('jsr.json', 'utf8')) as { version: string; exports: Record<string, string>; publish: { exclude: string[] } };
const srcOf = (distPath: string) => distPath.replace('./dist/', './src/').replace(/\.js$/, '.ts');

describe('package surface', () => {
  it('is ESM only, side-effect free, and says which Node it needs', () => {
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.engines.node).toBe('>=20.19');
  });

  it('has a types condition before default on every subpath, each built from a source file', () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (subpath === './package.json') continue;
      expect(typeof target).toBe('object');
      const t = target as { types: string; default: string };
      expect(Object.keys(t)).toEqual(['types', 'default']);
      expect(t.types).toBe(t.default.replace(/\.js$/, '.d.ts'));
      expect(existsSync(srcOf(t.default))).toBe(true);
    }
    expect(existsSync(srcOf(pkg.bin['nacos-edge'] as string))).toBe(true);
  });

  it('jsr.json exports the same entries from the same sources, at the same version (the CLI stays npm-only)', () => {
    expect(jsr.version).toBe(pkg.version);
    const expected = Object.fromEntries(
      Object.entries(pkg.exports)
        .filter(([subpath]) => subpath !== './package.json')
        .map(([subpath, t]) => [subpath, srcOf((t as { default: string }).default)]),
    );
    expect(jsr.exports).toEqual(expected);
    expect(jsr.publish.exclude).toEqual(['src/cli']);
  });
});
