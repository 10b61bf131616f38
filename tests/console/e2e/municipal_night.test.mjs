// A municipal token (GM0363 Amsterdam) at night: alerts only, its own area, nothing outside it,
// and an alert that waits for the morning (issue 17, test 5).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { apiOk } from '../support/api.mjs';
import { ConsolePage, launchBrowser } from '../support/browser.mjs';
import {
  channelBars,
  compose,
  drawCircle,
  followedActionId,
  kAmsterdam,
  pickMunicipality,
} from '../support/flows.mjs';
import { waitForValue } from '../support/map.mjs';
import { Stack } from '../support/stack.mjs';

const kStep = { timeout: 60000 };
// Amstelveen's centre: outside Amsterdam, yet inside Amsterdam's bounding box, so on the screen
// when the map shows the token's own area.
const kOutside = { code: 'GM0362', lat: 52.3025, lon: 4.8585 };

async function actionCount(stack) {
  const list = await apiOk(stack.baseUrl, stack.tokens.operator, 'GET', '/v1/actions?limit=200');
  return list.actions.length;
}

describe('a municipal token at night', () => {
  let stack;
  let browser;
  let cp;

  before(async () => {
    stack = await Stack.start({ night: true });
    browser = await launchBrowser();
    cp = await ConsolePage.open(browser, stack);
    cp.page.setDefaultTimeout(10000);
    await cp.signIn(stack.tokens.municipal);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('names the role and the municipality, offers alerts only and highlights its own area', kStep, async () => {
    const who = await cp.byTestId('whoami').innerText();
    assert.match(who, /municipal|gemeente/i);
    assert.match(who, /GM0363|Amsterdam/);
    await cp.byTestId('nav-raise').click();
    await cp.byTestId('map').waitFor();
    const kinds = await cp.byTestId('kind-select').locator('option').evaluateAll((o) => o.map((n) => n.value));
    assert.deepEqual(kinds, ['alert']);
    const own = await cp.page.locator('[data-testid=map] path.own').evaluateAll((p) => p.map((n) => n.getAttribute('data-code')));
    assert.deepEqual(own, ['GM0363']);
  });

  it('refuses an area outside GM0363 and raises nothing', kStep, async () => {
    const before = await actionCount(stack);
    // The API's 403, if the console lets it get that far, is shown in the banner.
    cp.expectConsoleError(/status of 403/);
    await drawCircle(cp, kOutside, [400, 800]).catch(() => {
      // A console may refuse to draw outside the area at all, with no estimate.
    });
    await compose(cp, { category: 'witness_call', title: 'Getuigen gezocht', message: 'Wie zag iets bij het station?' });
    const send = cp.byTestId('send-button');
    if (await send.isEnabled()) {
      await send.click();
      const confirm = cp.byTestId('confirm-send');
      if (await confirm.isVisible().catch(() => false)) await confirm.click();
    }
    const refused = await waitForValue(
      async () => (await cp.byTestId('error-banner').isVisible()) || !(await send.isEnabled()),
      (v) => v === true,
      { what: 'the refusal shown (error-banner, or send disabled)' },
    );
    assert.ok(refused);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await actionCount(stack), before, 'nothing was raised');
    assert.ok(!cp.page.url().includes('#/actions/'), 'the console stayed on the raise screen');
  });

  it('explains the night before sending, and the alert waits: no bar moves', kStep, async () => {
    await cp.page.goto(`${stack.baseUrl}/console/#/actions`);
    await cp.byTestId('nav-raise').click();
    await pickMunicipality(cp, kAmsterdam.code);
    await drawCircle(cp, kAmsterdam, [400, 700]);
    await compose(cp, { category: 'witness_call', title: 'Getuigen gezocht', message: 'Wie zag iets bij de Dam? Bel 0900-8844.' });
    const notice = cp.byTestId('night-notice');
    await notice.waitFor();
    assert.equal(await notice.getAttribute('data-active'), 'true');
    const [from, to] = [stack.config.alerts.night_from, stack.config.alerts.night_to];
    assert.match(await notice.innerText(), new RegExp(to.replace(':', '[:.]')), `the notice says when it goes (${from}-${to})`);
    await cp.screenshot('raise-municipal-night');

    await cp.byTestId('send-button').click();
    const id = await followedActionId(cp);
    await cp.page.locator('[data-testid=message-progress][data-kind=action]').waitFor();
    // Long enough for the dispatcher (polling every 200 ms here) to have sent a daytime alert.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const bars = await channelBars(cp);
    assert.ok(bars.length > 0 && bars.some((b) => b.total > 0), 'the bars show what waits');
    assert.ok(bars.every((b) => b.sent === 0), `nothing sent at night: ${JSON.stringify(bars)}`);
    for (const channel of ['sms', 'voice', 'push', 'twitter']) {
      assert.equal(stack.outbox(channel).filter((m) => m.action_id === id).length, 0, `${channel} outbox empty`);
    }
    const action = await apiOk(stack.baseUrl, stack.tokens.municipal, 'GET', `/v1/actions/${id}`);
    assert.equal(action.kind, 'alert');
    await cp.screenshot('follow-municipal-night');
  });

  it('made no request off loopback and logged no unexpected error in the browser', kStep, async () => {
    assert.deepEqual(cp.problems(), []);
  });
});
