// Installs nacos-sdk-python v2 (the seed SDK) with its KMS client into .nacos/python-sdk/venv from PyPI, once: the
// interop tests run it against the same servers and KMS stand-in as nacos-edge. Prints the interpreter's path.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The seed and the KMS SDK versions it was checked with (their KMS code is what the interop is about). */
export const PYTHON_REQUIREMENTS = ['nacos-sdk-python==2.0.11', 'alibabacloud-kms20160120==3.3.1', 'alibabacloud-tea-openapi==0.4.6'];

/** The venv's python, installing it first when missing or made for other requirements. */
export function ensurePythonSdk(log = (m) => process.stderr.write(`[python-sdk] ${m}\n`)) {
  const venv = join(root, '.nacos', 'python-sdk', 'venv');
  const python = join(venv, 'bin', 'python');
  const marker = join(venv, 'requirements.txt');
  const wanted = PYTHON_REQUIREMENTS.join('\n');
  if (existsSync(python) && existsSync(marker) && readFileSync(marker, 'utf8') === wanted) return python;
  rmSync(venv, { recursive: true, force: true });
  log(`installing ${PYTHON_REQUIREMENTS.join(', ')} into ${venv}`);
  const started = Date.now();
  execFileSync('python3', ['-m', 'venv', venv], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...PYTHON_REQUIREMENTS], { stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(marker, wanted);
  log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return python;
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${ensurePythonSdk()}\n`);
