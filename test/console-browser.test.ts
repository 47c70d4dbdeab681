// The console in a real browser: playwright-core driving Debian's Chromium (/usr/bin/chromium; .ci/run
// installs it) against a server on port 0 fed through the real CLI. A user opens the overview, types a
// CVE, and sees which running workloads carry it, where, and what fixes it; filters, CSV export and
// keyboard use, with elements found by role and accessible name as assistive technology finds them.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { databaseKinds } from './helpers/databases.ts';
import { accountA, cve, startConsoleWorld } from './helpers/console-world.ts';
import type { TestServer } from './helpers/server.ts';
import { newAccessKey } from '../src/protocol/access-keys.ts';

const chromiumPath = process.env.IMAGESCOPE_CHROMIUM ?? '/usr/bin/chromium';
const launchArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// The browser only shows what the server renders (no script; cookies last by Max-Age), so its clock
// never matters. Under libfaketime (the README's date-independence check) Chromium runs a hundred
// times slower, so it keeps the machine's clock.
const browserEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'LD_PRELOAD' && !name.startsWith('FAKETIME'))) as Record<string, string>;
const launchBrowser = () => chromium.launch({ executablePath: chromiumPath, args: launchArgs, env: browserEnv });

for (const kind of databaseKinds) {
  describe(`the console in Chromium on ${kind.name}`, () => {
    let server: TestServer;
    let browser: Browser;
    let page: Page;

    before(async () => {
      server = await startConsoleWorld(kind);
      browser = await launchBrowser();
      page = await browser.newPage({ acceptDownloads: true });
    });
    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    it('finds a CVE from the overview and shows the workloads that run it, where, and the fix', async () => {
      const response = await page.goto(`${server.url}/?accountId=${accountA}`);
      assert.match(response!.headers()['content-security-policy']!, /default-src 'none'/);
      await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
      // Images running now, running units, running images with a current scan (its 2021 report is
      // stale), running images with criticals, unique vulnerabilities on running images, fixable
      // criticals on them, images scanned, unique vulnerabilities.
      assert.deepEqual(await page.getByRole('definition').allInnerTexts(), ['1', '2', '0 % (0 of 1)', '1', '3', '2', '3', '18']);
      assert.equal(await page.getByRole('img', { name: /Findings by severity/ }).count(), 2);
      const findings = page.getByRole('table', { name: 'Findings by severity, all images' });
      // 2 critical findings of the Trivy report on each of 2 images, and 1 in the Grype report.
      assert.equal(await findings.getByRole('row', { name: /Critical/ }).getByRole('cell').innerText(), '5');
      const running = page.getByRole('table', { name: 'Findings by severity, running images' });
      assert.equal(await running.getByRole('row', { name: /Critical/ }).getByRole('cell').innerText(), '2');
      const top = page.getByRole('table', { name: 'The five vulnerabilities with the most running units' });
      assert.deepEqual((await top.getByRole('row').allInnerTexts()).slice(1, 2), [`${cve}\tCRITICAL\t1\t2\t2`]);
      assert.deepEqual(await page.getByRole('table', { name: 'When each source last fed data' }).getByRole('rowheader').allInnerTexts(), ['ECS', 'Kubernetes', 'grype', 'trivy']);
      assert.equal(await page.getByRole('img', { name: /Trend on running images/ }).count(), 1);
      await page.getByRole('searchbox', { name: 'Vulnerability id' }).fill(cve);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: cve }).waitFor();
      assert.match(page.url(), new RegExp(`/vulnerabilities/${cve}\\?accountId=${accountA}$`));
      const totals = await page.getByRole('definition').allInnerTexts();
      // Severity, images carrying it, running images, running units, occurrences.
      assert.deepEqual(totals, ['CRITICAL', '2', '1', '2', '4']);
      const image = page.getByRole('region', { name: /hello-repository:1\.0@sha256:74b2c688c700/ });
      const packages = image.getByRole('table', { name: /Packages/ });
      assert.deepEqual(await packages.getByRole('row').allInnerTexts(), [
        'Package\tInstalled\tFixed in\tSeverity\tScanner',
        'musl\t1.1.20-r4\t1.1.20-r5\tCRITICAL\ttrivy',
        'musl-utils\t1.1.20-r4\t1.1.20-r5\tCRITICAL\ttrivy',
      ]);
      const places = image.getByRole('table', { name: 'Where it runs' });
      const eks = places.getByRole('row', { name: /apps/ });
      assert.deepEqual((await eks.getByRole('cell').allInnerTexts()).slice(0, 5), ['apps', 'EKS', 'shop', 'Deployment web', '1']);
      const ecs = places.getByRole('row', { name: /FargateCluster/ });
      assert.deepEqual((await ecs.getByRole('cell').allInnerTexts()).slice(0, 3), ['FargateCluster', 'ECS', 'family:sample-fargate']);
      assert.equal(await page.getByRole('region', { name: /idle@/ }).count(), 0, 'running only by default');
    });

    it('filters to every image that carries it, and exports the list as CSV', async () => {
      await page.goto(`${server.url}/vulnerabilities/${cve}?accountId=${accountA}`);
      await page.getByRole('radio', { name: 'All that carry it' }).check();
      await page.getByRole('button', { name: 'Show' }).click();
      await page.getByRole('region', { name: /idle@/ }).waitFor();
      assert.equal(await page.getByRole('region').count(), 2);
      assert.ok(await page.getByRole('radio', { name: 'All that carry it' }).isChecked());
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
      assert.equal(download.suggestedFilename(), `${cve}-exposure.csv`);
      const lines = (await readFile((await download.path())!, 'utf8')).trim().split('\n');
      assert.equal(lines.length, 4, 'a header, two places of the running image, one row of the idle one');
      assert.match(lines[0]!, /^vulnerabilityId,image,resourceId,/);
    });

    it('works from the keyboard: the skip link first, then the search', async () => {
      await page.goto(`${server.url}/?accountId=${accountA}`);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
      await page.getByRole('searchbox', { name: 'Vulnerability id' }).focus();
      await page.keyboard.type('CVE-1999-0001');
      await page.keyboard.press('Enter');
      await page.getByRole('status').filter({ hasText: 'No image in account' }).waitFor();
    });

    it('lists pipelines from the navigation, worst first with their counts', async () => {
      await page.goto(`${server.url}/?accountId=${accountA}`);
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Pipelines' }).click();
      await page.getByRole('heading', { level: 1, name: 'Image pipelines' }).waitFor();
      const rows = page.getByRole('table', { name: /Image pipelines/ }).getByRole('row');
      assert.deepEqual(await rows.allInnerTexts(), ['Pipeline\tCritical\tHigh\tMedium\tAll', 'hello\t2\t0\t4\t6']);
      assert.match(page.url(), new RegExp(`/pipelines\\?accountId=${accountA}$`), 'the account stays in the URL');
    });

    it('lists the vulnerabilities that run, narrows them with the filters, and follows one to its exposure', async () => {
      await page.goto(`${server.url}/?accountId=${accountA}`);
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Vulnerabilities' }).click();
      await page.getByRole('heading', { level: 1, name: 'Vulnerabilities' }).waitFor();
      const table = page.getByRole('table', { name: /Vulnerabilities, most running units first/ });
      assert.deepEqual(await table.getByRole('rowheader').allInnerTexts(), [cve, 'CVE-2019-1549', 'CVE-2019-1551']);
      await page.getByRole('checkbox', { name: 'Running now only' }).uncheck();
      await page.getByLabel('Severity').selectOption('HIGH');
      await page.getByRole('button', { name: 'Show' }).click();
      await page.getByText('10 vulnerabilities').waitFor();
      assert.equal(await table.getByRole('rowheader').count(), 10);
      assert.ok(!(await page.getByRole('checkbox', { name: 'Running now only' }).isChecked()), 'the filter stays as chosen');
      await page.getByLabel('Severity').selectOption('');
      await page.getByRole('checkbox', { name: 'Fixable only' }).check();
      await page.getByRole('button', { name: 'Show' }).click();
      await page.getByText('4 vulnerabilities').waitFor();
      await table.getByRole('link', { name: cve }).click();
      await page.getByRole('heading', { level: 1, name: cve }).waitFor();
    });

    it('shows images worst first, one image with its findings and where it runs, and the clusters', async () => {
      await page.goto(`${server.url}/images?accountId=${accountA}`);
      const images = page.getByRole('table', { name: 'Images, worst first' });
      assert.equal(await images.getByRole('rowheader').count(), 3);
      await images.getByRole('link', { name: /hello-repository:1\.0@/ }).click();
      await page.getByRole('heading', { level: 1, name: /hello-repository:1\.0@sha256:74b2c688c700/ }).waitFor();
      const places = page.getByRole('table', { name: 'Where it runs' });
      assert.equal(await places.getByRole('row').count(), 3, 'a header, the ECS task group, the EKS namespace');
      const findings = page.getByRole('table', { name: /Findings, worst first/ });
      assert.deepEqual((await findings.getByRole('row').allInnerTexts()).slice(1, 2), [`${cve}\tCRITICAL\tmusl\t1.1.20-r4\t1.1.20-r5\ttrivy`]);
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Clusters' }).click();
      await page.getByRole('heading', { level: 1, name: 'Clusters' }).waitFor();
      assert.deepEqual(await page.getByRole('heading', { level: 2 }).allInnerTexts(), ['FargateCluster ECS', 'apps EKS']);
      const apps = page.getByRole('region', { name: 'apps' }).getByRole('table');
      assert.deepEqual((await apps.getByRole('row').allInnerTexts()).length, 2);
      assert.match((await apps.getByRole('row').allInnerTexts())[1]!, /hello-repository.*\tCRITICAL\t2\t1$/);
    });

    it('answers a bad vulnerability id with a page that says why', async () => {
      const response = await page.goto(`${server.url}/search?q=${encodeURIComponent('not a cve')}&accountId=${accountA}`);
      assert.equal(response!.status(), 400);
      assert.match(await page.getByRole('alert').innerText(), /is not a vulnerability id/);
    });
  });
}

describe('signing in to the console in Chromium (--auth sigv4)', () => {
  let server: TestServer;
  let browser: Browser;
  const key = newAccessKey(accountA, 'read', Date.now());

  before(async () => {
    server = await startConsoleWorld(databaseKinds[0]!, { env: { IMAGESCOPE_AUTH: 'sigv4' } });
    await server.store.createAccessKey(key);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('signs in with an access key, keeps the page asked for, and signs out', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/vulnerabilities/${cve}`);
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await page.getByLabel('Access key id').fill(key.access_key_id);
    await page.getByLabel('Secret access key').fill('not the secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.match(await page.getByRole('alert').innerText(), /not valid/);
    await page.getByLabel('Access key id').fill(key.access_key_id);
    await page.getByLabel('Secret access key').fill(key.secret_access_key);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: cve }).waitFor();
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'imagescope_session')!;
    assert.deepEqual([session.httpOnly, session.sameSite], [true, 'Strict']);
    assert.equal(await page.evaluate(() => document.cookie), '', 'no cookie is readable from a script');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  });
});
