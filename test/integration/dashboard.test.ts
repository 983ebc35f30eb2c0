// Drives the admin dashboard (examples/dashboard) in real Chromium through the Node dashboard server's same-origin
// proxy, against the official server of this generation: sign-in, config create → edit → diff → publish → history →
// rollback, a CAS conflict, disabling an instance, an expired token. Every step is checked on the server through the
// admin client. Screenshots land in .ci/artifacts/dashboard/<generation>-<screen>.png; bundle sizes and the first-load
// time are printed and written to .ci/artifacts/dashboard/<generation>-metrics.json.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDashboard } from '../../src/dashboard/node.js';
import { NacosAdminClient } from '../../src/admin.js';
import { createClientConfig, NacosNamingService } from '../../src/index.js';
import { buildDashboardApp, type BundleSizes } from '../support/dashboard-build.js';
import { isV3, nacos, uniqueId, waitFor } from './helpers.js';

const gen = () => (isV3() ? 'v3' : 'v2');
/**
 * The server with auth on for every API, as an operator would run behind a dashboard: sign-in means something, and a
 * refused token is refused (the plain 2.x server ignores tokens, so it could not show the expired state).
 */
const server = () => nacos().auth;
const ARTIFACTS = resolve('.ci/artifacts/dashboard');

let browser: Browser;
let site: { url: string; close(): Promise<void> };
let built: { root: string; sizes: BundleSizes };
let admin: NacosAdminClient;
const metrics: Record<string, unknown> = {};
/** Problems any page reported: uncaught errors and CSP violations fail the file. */
const problems: string[] = [];

beforeAll(async () => {
  built = await buildDashboardApp();
  site = await serveDashboard({ nacos: server().serverAddr, root: built.root, port: 0 });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  admin = new NacosAdminClient({ serverAddresses: server().serverAddr, username: server().username, password: server().password, logLevel: 'silent' });
  mkdirSync(ARTIFACTS, { recursive: true });
  metrics.bundle = built.sizes;
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  admin?.shutdown();
  if (built) rmSync(built.root, { recursive: true, force: true });
  writeFileSync(resolve(ARTIFACTS, `${gen()}-metrics.json`), `${JSON.stringify(metrics, null, 2)}\n`);
  console.log(`dashboard metrics (${gen()}): ${JSON.stringify(metrics)}`);
});

async function newPage(viewport = { width: 1280, height: 820 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`);
  });
  return page;
}

const shot = (page: Page, screen: string) => page.screenshot({ path: resolve(ARTIFACTS, `${gen()}-${screen}.png`), fullPage: true });

async function signIn(page: Page, hash = '#/configs'): Promise<void> {
  await page.goto(`${site.url}/${hash}`);
  await page.getByLabel('Username').fill(server().username);
  await page.getByLabel('Password').fill(server().password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.locator('header.top').waitFor();
}

/** Replaces the CodeMirror document with `text` (select all, then typed in as one input). */
async function typeInEditor(page: Page, text: string): Promise<void> {
  const content = page.locator('.code-frame[data-editor="ready"] .cm-content');
  await content.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(text);
}

const serverContent = (dataId: string) => admin.configs.get({ dataId, group: 'DEFAULT_GROUP' }).then((c) => c.content, () => undefined);

describe('dashboard', () => {
  it('signs in (a wrong password is shown as such), keeps only the token, and loads fast', async () => {
    const page = await newPage();
    await page.goto(`${site.url}/`);
    await page.getByLabel('Username').waitFor();
    await shot(page, 'login');
    await page.getByLabel('Username').fill(server().username);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.locator('[data-state="error"]').textContent()).toMatch(/Wrong username or password/);
    await page.getByLabel('Password').fill(server().password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.locator('header.top').waitFor();
    const stored = await page.evaluate(() => JSON.stringify(sessionStorage) + JSON.stringify(localStorage));
    expect(stored).toContain('token');
    expect(stored).not.toContain(server().password);
    // First load of a signed-in tab: navigation start → the app rendered, and → the configs list (or its empty state) shown.
    await page.reload();
    await page.locator('[data-table="configs"], [data-state="empty"]').first().waitFor();
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const mark = performance.getEntriesByName('dashboard-interactive')[0];
      return { domContentLoaded: Math.round(nav.domContentLoadedEventEnd), load: Math.round(nav.loadEventEnd), interactive: Math.round(mark?.startTime ?? -1), firstData: Math.round(performance.now()) };
    });
    metrics.firstLoad = timing;
    expect(timing.interactive).toBeGreaterThan(0);
    expect(timing.interactive).toBeLessThan(3000);
    // The boot placeholder is gone once the app has mounted.
    expect(await page.locator('.boot').count()).toBe(0);
    await shot(page, 'configs');
    await page.close();
  });

  it('creates a config, edits it with a diff before publishing, browses the history with diffs and rolls back', async () => {
    const dataId = `${uniqueId('dash')}.json`;
    const v1 = '{\n  "pool": 8,\n  "theme": "light"\n}';
    const v2 = '{\n  "pool": 16,\n  "theme": "dark"\n}';
    const page = await newPage();
    await signIn(page, '#/config/new');
    await page.getByLabel('Data ID *').fill(dataId);
    await page.getByLabel('Type').selectOption('json');
    await page.getByLabel('Description').fill('made by the dashboard test');
    await typeInEditor(page, v1);
    await page.getByRole('button', { name: 'Create' }).click();
    await waitFor(async () => (await serverContent(dataId)) === v1, { what: 'the created config on the server' });
    const created = await admin.configs.get({ dataId, group: 'DEFAULT_GROUP' });
    expect(created.type).toBe('json');
    expect(created.description).toBe('made by the dashboard test');
    // Edit → review: the diff shows the server's version and the page's.
    await page.locator('.code-frame[data-editor="ready"]').waitFor();
    await expect.poll(() => page.locator('[data-dirty]').textContent()).toBe('No changes');
    await typeInEditor(page, v2);
    await page.locator('[data-action="review"]').click();
    await page.locator('[data-panel="review"] .diff[data-diff="ready"]').waitFor();
    expect(await page.locator('[data-panel="review"] .cm-changedLine, [data-panel="review"] .cm-changedText').count()).toBeGreaterThan(0);
    await shot(page, 'editor-diff');
    await page.locator('[data-action="publish"]').click();
    await waitFor(async () => (await serverContent(dataId)) === v2, { what: 'the edit on the server' });
    await expect.poll(() => page.locator('[data-dirty]').textContent(), { timeout: 10_000 }).toBe('No changes');
    // History: the newest entry against the previous one, then roll back to the first version.
    await page.getByRole('link', { name: 'History' }).click();
    const items = page.locator('[data-history]');
    await expect.poll(() => items.count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    // The newest entry is the edit: Nacos keeps the content it replaced, so its change reads v1 → v2.
    await items.first().click();
    const entry = page.locator('[data-panel="history-entry"]');
    await entry.locator('.diff[data-diff="ready"]').waitFor();
    expect(await entry.locator('.cm-changedLine, .cm-changedText').count()).toBeGreaterThan(0);
    expect(await entry.textContent()).toMatch(/Before the update.*After the update/s);
    expect(await entry.textContent()).toContain('"theme": "light"');
    expect(await entry.textContent()).toContain('"theme": "dark"');
    await shot(page, 'history-diff');
    await items.last().click();
    await page.locator('[data-action="rollback"]').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
    await waitFor(async () => (await serverContent(dataId)) === v1, { what: 'the rolled-back content on the server' });
    await admin.configs.delete({ dataId, group: 'DEFAULT_GROUP' }).catch(() => undefined);
    await page.close();
  });

  it('shows a CAS conflict when the config changed behind the page, and can overwrite it', async () => {
    const dataId = `${uniqueId('dash-cas')}.yaml`;
    await admin.configs.publish({ dataId, group: 'DEFAULT_GROUP', content: 'replicas: 1\n', type: 'yaml' });
    await waitFor(async () => (await serverContent(dataId)) === 'replicas: 1\n', { what: 'the seeded config' });
    const page = await newPage();
    await signIn(page, `#/config?dataId=${encodeURIComponent(dataId)}&group=DEFAULT_GROUP`);
    await page.locator('.code-frame[data-editor="ready"]').waitFor();
    await admin.configs.publish({ dataId, group: 'DEFAULT_GROUP', content: 'replicas: 5\n', type: 'yaml' });
    await waitFor(async () => (await serverContent(dataId)) === 'replicas: 5\n', { what: 'the change behind the page' });
    await typeInEditor(page, 'replicas: 3\n');
    await page.locator('[data-action="review"]').click();
    await page.locator('[data-action="publish"]').click();
    const conflict = page.locator('[data-panel="conflict"]');
    await conflict.waitFor();
    await conflict.locator('.diff[data-diff="ready"]').waitFor();
    expect(await conflict.textContent()).toMatch(/not\s*published/);
    await shot(page, 'conflict');
    expect(await serverContent(dataId)).toBe('replicas: 5\n');
    await page.locator('[data-action="overwrite"]').click();
    await waitFor(async () => (await serverContent(dataId)) === 'replicas: 3\n', { what: 'the overwrite on the server' });
    await admin.configs.delete({ dataId, group: 'DEFAULT_GROUP' }).catch(() => undefined);
    await page.close();
  });

  it('lists services, shows the instances live and disables one', async () => {
    const naming = await NacosNamingService.createNamingService(createClientConfig({ serverAddresses: server().serverAddr, username: server().username, password: server().password, logLevel: 'silent' }));
    const serviceName = uniqueId('dash-svc');
    try {
      await naming.registerInstance({ serviceName, ip: '10.80.0.1', port: 8080, weight: 2, metadata: { zone: 'a' } });
      await naming.registerInstance({ serviceName, ip: '10.80.0.2', port: 8080, clusterName: 'EDGE' });
      await waitFor(async () => (await admin.instances.list({ serviceName })).length === 2, { what: 'both instances registered' });
      const page = await newPage();
      await signIn(page, '#/services');
      await page.locator('[data-search]').fill(serviceName);
      await page.locator('[data-search]').press('Enter');
      await page.locator(`[data-service="${serviceName}"]`).waitFor({ timeout: 20_000 });
      await shot(page, 'services');
      await page.getByRole('link', { name: serviceName }).click();
      const row = page.locator('[data-instance="10.80.0.1:8080"]');
      await row.waitFor();
      await expect.poll(() => page.locator('[data-instance]').count()).toBe(2);
      expect(await page.locator('[data-live="true"]').textContent()).toMatch(/Live · updated/);
      await row.locator('[data-action="toggle-enabled"]').click();
      await waitFor(async () => (await admin.instances.list({ serviceName })).find((i) => i.ip === '10.80.0.1')?.enabled === false, { what: 'the instance disabled on the server' });
      await expect.poll(() => row.locator('[data-action="toggle-enabled"]').getAttribute('aria-checked'), { timeout: 10_000 }).toBe('false');
      await shot(page, 'service-instances');
      await page.close();
    } finally {
      await naming.shutdown({ deregister: true });
    }
  });

  it('shows the cluster health', async () => {
    const page = await newPage();
    await signIn(page, '#/cluster');
    await page.locator('[data-table="members"] [data-member]').first().waitFor();
    await expect.poll(() => page.locator('[data-health="Readiness"]').textContent()).toMatch(/OK/);
    await shot(page, 'cluster');
    await page.close();
  });

  it('turns a refused token into the expired sign-in state and returns to the same screen after signing in', async () => {
    const page = await newPage();
    await signIn(page, '#/cluster');
    await page.locator('[data-table="members"]').waitFor();
    await page.evaluate(() => {
      const key = 'nacos-edge.dashboard.session';
      const s = JSON.parse(sessionStorage.getItem(key)!);
      s.token = `${s.token}tampered`;
      sessionStorage.setItem(key, JSON.stringify(s));
    });
    await page.getByRole('link', { name: 'Services' }).click();
    await page.locator('[data-banner="expired"]').waitFor();
    await shot(page, 'expired');
    await page.getByLabel('Username').fill(server().username);
    await page.getByLabel('Password').fill(server().password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.locator('[data-table="services"], [data-state="empty"]').first().waitFor();
    expect(new URL(page.url()).hash).toBe('#/services');
    await page.close();
  });

  it('works on a narrow screen, and designs the empty and error states', async () => {
    const page = await newPage({ width: 375, height: 740 });
    await signIn(page, '#/configs');
    await page.locator('[data-table="configs"], [data-state="empty"]').first().waitFor();
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.locator('#nav.open').waitFor();
    await shot(page, 'narrow');
    // Nothing matches: the empty state explains and offers the way out.
    await page.goto(`${site.url}/#/configs?dataId=${uniqueId('nothing-here')}`);
    await page.locator('[data-state="empty"]').waitFor();
    await shot(page, 'empty');
    // A service that is not there: the error state with the NacosError code and a retry.
    await page.setViewportSize({ width: 1280, height: 700 });
    await page.goto(`${site.url}/#/service?name=${uniqueId('no-such-service')}`);
    await page.locator('[data-state="error"]').waitFor();
    expect(await page.locator('[data-state="error"]').textContent()).toMatch(/NOT_FOUND/);
    await shot(page, 'error');
    await page.close();
    expect(problems).toEqual([]);
  });
});
