// An operator's whole action in the console: sign in, draw, send, follow the bars, a tip, widen,
// close; then the list and the statistics (issue 17, tests 1 to 4 and 6).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { api, apiOk } from '../support/api.mjs';
import { ConsolePage, launchBrowser } from '../support/browser.mjs';
import {
  channelBars,
  compose,
  drawCircle,
  followedActionId,
  kAmsterdam,
  lastDryRunBody,
  pickMunicipality,
} from '../support/flows.mjs';
import { dataValue, waitForValue } from '../support/map.mjs';
import { kConfirmAbove, Stack } from '../support/stack.mjs';

const kStep = { timeout: 60000 };

describe('an operator raises, follows and closes an action', () => {
  let stack;
  let browser;
  let cp;
  let actionId;
  let exactCount;

  before(async () => {
    stack = await Stack.start();
    browser = await launchBrowser();
    cp = await ConsolePage.open(browser, stack);
    cp.page.setDefaultTimeout(10000);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('serves /console/ with a strict Content-Security-Policy and no inline script', kStep, async () => {
    const response = await fetch(`${stack.baseUrl}/console/`);
    assert.equal(response.status, 200);
    const csp = response.headers.get('content-security-policy');
    assert.ok(csp, 'a Content-Security-Policy header on /console/');
    assert.match(csp, /default-src 'none'|default-src 'self'|script-src 'self'/);
    assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|\*/);
    const html = await response.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'every <script> has a src');
    assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
    // The files the page loads carry it too.
    const scripts = [...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/gi)].map((m) => m[1]);
    for (const src of scripts) {
      const script = await fetch(new URL(src, `${stack.baseUrl}/console/`));
      assert.equal(script.status, 200, src);
    }
  });

  it('shows the sign-in on every route while signed out, and refuses a bad token', kStep, async () => {
    for (const route of ['#/raise', '#/actions', '#/stats']) {
      await cp.page.goto(`${stack.baseUrl}/console/${route}`);
      await cp.byTestId('token-input').waitFor();
    }
    await cp.page.goto(`${stack.baseUrl}/console/#/signin`);
    await cp.screenshot('signin');
    cp.expectConsoleError(/status of 401/);
    await cp.byTestId('token-input').fill('not-a-token');
    await cp.byTestId('signin-button').click();
    await cp.byTestId('signin-error').waitFor();
  });

  it('signs in with the operator token', kStep, async () => {
    await cp.signIn(stack.tokens.operator);
    assert.match(await cp.byTestId('whoami').innerText(), /operator/i);
    // The token lives in memory: nothing of it in the URL or the page's storage.
    assert.ok(!cp.page.url().includes(stack.tokens.operator));
    const stored = await cp.page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    assert.ok(!stored.includes(stack.tokens.operator), 'the token is not in web storage');
  });

  it('draws a circle on Amsterdam: the estimate changes while dragging, the exact count matches the API', kStep, async () => {
    await cp.byTestId('nav-raise').click();
    await cp.byTestId('map').waitFor();
    // Every municipality of 2025 (tests/data/gemeenten-2025.geojson), each imported.
    assert.equal(stack.areas, 342, 'every municipality imported');
    assert.equal(await cp.page.locator('[data-testid=map] path[data-code]').count(), 342, 'every municipality drawn');
    assert.match(await cp.byTestId('map-credit').innerText(), /CBS/);
    await pickMunicipality(cp, kAmsterdam.code);
    const estimates = await drawCircle(cp, kAmsterdam, [700, 2200]);
    assert.ok(estimates[1] > estimates[0], `the estimate grows with the radius: ${estimates}`);
    await cp.byTestId('area-shape').waitFor();

    exactCount = await waitForValue(
      () => dataValue(cp.byTestId('exact-count')),
      (v) => v !== null && v > 0,
      { what: 'the exact count after release' },
    );
    const body = lastDryRunBody(cp);
    assert.ok(body?.area?.circle, 'the console asked the API for an exact preview of a circle');
    const preview = await apiOk(stack.baseUrl, stack.tokens.operator, 'POST', '/v1/actions', {
      kind: 'urgent',
      category: 'burglary',
      title: 'x',
      message: 'x',
      area: body.area,
      dry_run: true,
    });
    assert.equal(exactCount, preview.recipients, 'the exact count is the API dry run of the same area');
    // The device-matching push channel's reach is the grid's estimate, and said to be one.
    const devices = cp.page.locator('[data-testid=devices-estimated] [data-channel=app_cells]');
    assert.match(await devices.innerText(), /app_cells: (ongeveer|about) [\d.,]+ .*(schatting|estimate)/);
    assert.ok(preview.estimated && 'app_cells' in preview.estimated, 'the API says which counts are estimates');
    assert.ok(exactCount > kConfirmAbove, `a circle of 2.2 km reaches more than ${kConfirmAbove}: ${exactCount}`);
  });

  it('composes with live counters and rendered texts per channel and language', kStep, async () => {
    await compose(cp, {
      kind: 'urgent',
      category: 'burglary',
      title: 'Inbraak Damstraat',
      message: 'Man (30) in donkere jas gevlucht richting Nieuwmarkt.',
    });
    const sms = cp.byTestId('sms-counter');
    const shortChars = await waitForValue(() => dataValue(sms, 'data-chars'), (v) => v > 0, { what: 'sms chars' });
    assert.ok((await dataValue(sms, 'data-segments')) >= 1);
    const tweet = cp.byTestId('tweet-counter');
    assert.ok((await dataValue(tweet, 'data-chars')) > 0);
    assert.equal(await dataValue(tweet, 'data-limit'), 280);

    // A longer message moves the counters at once.
    await cp.byTestId('message-input').fill('Man (30) in donkere jas gevlucht richting Nieuwmarkt. '.repeat(4) + 'Gezien? Bel 112.');
    await waitForValue(() => dataValue(sms, 'data-chars'), (v) => v > shortChars, { what: 'sms chars after typing' });
    assert.ok((await dataValue(sms, 'data-segments')) >= 2, 'over 160 characters is two segments or more');

    const previews = cp.page.locator('[data-testid=preview-texts] [data-testid=preview-text]');
    await previews.first().waitFor();
    const shown = await previews.evaluateAll((nodes) =>
      nodes.map((n) => ({ channel: n.getAttribute('data-channel'), lang: n.getAttribute('data-lang'), text: n.textContent })),
    );
    for (const channel of ['sms', 'voice', 'push', 'twitter']) {
      assert.ok(shown.some((p) => p.channel === channel), `a preview for ${channel}`);
    }
    for (const lang of ['nl', 'en']) {
      assert.ok(shown.some((p) => p.channel === 'sms' && p.lang === lang), `an SMS preview in ${lang}`);
    }
    assert.ok(shown.some((p) => p.channel === 'sms' && /Nieuwmarkt|Damstraat/.test(p.text)), 'the SMS holds the text');
    await cp.screenshot('raise');
  });

  it('sends after confirming the count, and the bars fill from the event stream without polling', kStep, async () => {
    await cp.byTestId('send-button').click();
    // The count is above limits.confirm_above: the console asks before it sends.
    await cp.byTestId('confirm-dialog').waitFor();
    assert.match(await cp.byTestId('confirm-count').innerText(), /\d/);
    await cp.screenshot('confirm');
    await cp.byTestId('confirm-send').click();
    actionId = await followedActionId(cp);
    const sentAt = cp.requests.length;

    await cp.page.locator('[data-testid=message-progress][data-kind=action]').waitFor();
    const bars = await waitForValue(
      () => channelBars(cp),
      (bars) => bars.length >= 3 && bars.every((b) => b.total > 0 && b.sent === b.total),
      { timeout: 45000, interval: 250, what: 'every channel bar full' },
    );
    const action = await apiOk(stack.baseUrl, stack.tokens.operator, 'GET', `/v1/actions/${actionId}`);
    // No push bar: imported participants have no device, so push has no one to reach.
    for (const channel of ['sms', 'voice', 'twitter']) {
      assert.ok(bars.some((b) => b.channel === channel), `a bar for ${channel}`);
    }
    const smsBar = bars.find((b) => b.channel === 'sms' && b.kind === 'action');
    assert.equal(smsBar.total, stack.outbox('sms').filter((m) => m.action_id === actionId && m.kind === 'action').length);
    assert.ok(action.recipients > kConfirmAbove);
    // The header's count follows the fan-out's chunks: in the end it is the API's.
    await waitForValue(
      () => cp.byTestId('action-recipients').getAttribute('data-value'),
      (value) => Number(value) === action.recipients,
      { what: `the header's recipients (${action.recipients})` },
    );

    const after = cp.requests.slice(sentAt).filter((r) => r.url.pathname.startsWith('/v1/'));
    assert.ok(after.some((r) => r.url.pathname === `/v1/actions/${actionId}/events`), 'the page reads the event stream');
    const gets = after.filter((r) => r.method === 'GET' && r.url.pathname === `/v1/actions/${actionId}`);
    assert.ok(gets.length <= 2, `the page does not poll the action: ${gets.length} GETs while the bars filled`);
    assert.ok(after.every((r) => !r.url.search.includes(stack.tokens.operator)), 'the token is in no URL');
    await cp.screenshot('follow');
  });

  it('shows a tip as it arrives', kStep, async () => {
    assert.ok(actionId, 'needs the sent action');
    const tips = cp.page.locator('[data-testid=tips] [data-testid=tip]');
    const before = await tips.count();
    await apiOk(stack.baseUrl, stack.tokens.registrar, 'POST', `/v1/actions/${actionId}/tips`, {
      text: 'Man met donkere jas rende de Kalverstraat in',
    });
    await waitForValue(() => tips.count(), (n) => n === before + 1, { what: 'the new tip in the list' });
  });

  it('widens the area with an update: a new message of kind update', kStep, async () => {
    assert.ok(actionId, 'needs the sent action');
    await cp.byTestId('update-message').fill('De verdachte is mogelijk op een fiets verder gevlucht.');
    await cp.byTestId('update-widen').click();
    await drawCircle(cp, kAmsterdam, [1500, 3000]);
    await cp.byTestId('update-send').click();
    const confirm = cp.byTestId('confirm-send');
    if (await confirm.isVisible().catch(() => false)) await confirm.click();
    await cp.page.locator('[data-testid=message-progress][data-kind=update]').waitFor({ timeout: 15000 });
    const action = await apiOk(stack.baseUrl, stack.tokens.operator, 'GET', `/v1/actions/${actionId}`);
    assert.ok(action.messages.some((m) => m.kind === 'update'), 'the API has the update');
  });

  it('closes with an outcome: the status shows closed', kStep, async () => {
    assert.ok(actionId, 'needs the sent action');
    await cp.byTestId('close-outcome').selectOption('resolved_by_tip');
    await cp.byTestId('close-message').fill('De verdachte is aangehouden dankzij een tip. Bedankt!');
    await cp.byTestId('close-send').click();
    await waitForValue(
      async () => (await cp.byTestId('action-status').innerText()) + (await cp.byTestId('action-status').getAttribute('data-status')),
      (text) => /closed|gesloten/i.test(text),
      { what: 'action-status closed' },
    );
    await cp.page.locator('[data-testid=message-progress][data-kind=closing]').waitFor({ timeout: 15000 });
    const action = await apiOk(stack.baseUrl, stack.tokens.operator, 'GET', `/v1/actions/${actionId}`);
    assert.equal(action.status, 'closed');
    assert.equal(action.outcome, 'resolved_by_tip');
  });

  it('finds the action in the list by search, and opens it', kStep, async () => {
    await cp.byTestId('nav-actions').click();
    const row = cp.page.locator(`[data-testid=action-row][data-id="${actionId}"]`);
    await row.waitFor();
    await cp.byTestId('search-input').fill('Damstraat');
    await row.waitFor();
    await cp.byTestId('search-input').fill('Oudegracht-niet-bestaand');
    await waitForValue(() => cp.page.locator('[data-testid=action-row]').count(), (n) => n === 0, { what: 'no rows' });
    await cp.byTestId('search-input').fill('Damstraat');
    await row.waitFor();
    await cp.screenshot('actions');
    await row.click();
    await cp.page.waitForURL(new RegExp(`#/actions/${actionId}$`));
    await cp.byTestId('action-status').waitFor();
  });

  it('shows the statistics as charts to an admin', kStep, async () => {
    const admin = await ConsolePage.open(browser, stack);
    try {
      await admin.signIn(stack.tokens.admin);
      await admin.byTestId('nav-stats').click();
      for (const chart of ['chart-actions-per-month', 'chart-share-resolved', 'chart-time-to-first']) {
        await admin.byTestId(chart).waitFor();
        const tag = await admin.byTestId(chart).evaluate((n) => n.tagName.toLowerCase());
        const svg = tag === 'svg' ? 1 : await admin.byTestId(chart).locator('svg').count();
        assert.ok(svg >= 1, `${chart} is an SVG chart`);
      }
      await admin.screenshot('stats');
      assert.deepEqual(admin.problems(), []);
    } finally {
      await admin.close();
    }
  });

  it('made no request off loopback and logged no error in the browser', kStep, async () => {
    assert.deepEqual(cp.problems(), []);
  });
});
