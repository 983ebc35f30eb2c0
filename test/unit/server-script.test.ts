// The server script's own safety (scripts/nacos-server.mjs), without starting a server.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readState, stopServer } from '../../scripts/nacos-server.mjs';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('scripts/nacos-server.mjs', () => {
  it.runIf(process.platform === 'linux')('never kills a process that took over the PID of a stale state file', async () => {
    const other = spawn('sleep', ['30'], { stdio: 'ignore', detached: true });
    const pid = other.pid as number;
    try {
      const profile = `pid-reuse-${process.pid}`;
      const dataDir = resolve('.nacos', 'data', profile);
      mkdirSync(resolve('.nacos', 'run'), { recursive: true });
      mkdirSync(dataDir, { recursive: true });
      // A server of an earlier run with this PID, started at another time than the process that has it now.
      writeFileSync(resolve('.nacos', 'run', `${profile}.json`), JSON.stringify({ profile, pid, startTicks: '1', dataDir, logFile: join(dataDir, 'server.log'), version: 'nacos 2.5.1' }));
      expect(await stopServer(profile)).toBe(true);
      expect(alive(pid)).toBe(true);
      expect(readState(profile)).toBeUndefined();
    } finally {
      other.kill('SIGKILL');
    }
  });
});
