// Finding one's way: the map's zoom and pan, Dutch and English, the keyboard alone, a tablet's
// screen (issue 17, tests 7 and 8).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ConsolePage, kTablet, launchBrowser } from '../support/browser.mjs';
import { waitForValue } from '../support/map.mjs';
import { Stack } from '../support/stack.mjs';

const kStep = { timeout: 60000 };
const kMaxTabs = 80;

// Presses Tab until the element with `testId` has the focus; returns the presses it took.
async function tabTo(cp, testId) {
  for (let presses = 1; presses <= kMaxTabs; presses++) {
    await cp.page.keyboard.press('Tab');
    const focused = await cp.page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    if (focused === testId) return presses;
  }
  throw new Error(`${testId} not reached with ${kMaxTabs} presses of Tab`);
}

async function waitForBox(locator, accept, what) {
  return waitForValue(() => locator.boundingBox(), (b) => b !== null && accept(b), { what: `the map after ${what}` });
}

async function headings(cp) {
  return cp.page.locator('h1, h2').allInnerTexts();
}

describe('the map, the languages and the keyboard', () => {
  let stack;
  let browser;

  before(async () => {
    stack = await Stack.start();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('zooms with the buttons and the wheel, pans by dragging, and resets', kStep, async () => {
    const cp = await ConsolePage.open(browser, stack);
    try {
      cp.page.setDefaultTimeout(10000);
      await cp.signIn(stack.tokens.operator);
      await cp.byTestId('nav-raise').click();
      await cp.byTestId('map').waitFor();
      const amsterdam = cp.page.locator('[data-testid=map] path[data-code="GM0363"]');
      const start = await amsterdam.boundingBox();
      await cp.byTestId('zoom-in').click();
      const zoomedIn = await waitForBox(amsterdam, (b) => b.width > start.width * 1.2, 'zoom-in');
      await cp.byTestId('zoom-out').click();
      await waitForBox(amsterdam, (b) => b.width < zoomedIn.width * 0.9, 'zoom-out');

      const map = await cp.byTestId('map').boundingBox();
      const middle = { x: map.x + map.width / 2, y: map.y + map.height / 2 };
      const beforeWheel = await amsterdam.boundingBox();
      await cp.page.mouse.move(middle.x, middle.y);
      await cp.page.mouse.wheel(0, -400);
      const wheeled = await waitForBox(amsterdam, (b) => b.width > beforeWheel.width * 1.1, 'wheel zoom');

      // No drawing tool is active: a drag moves the map.
      await cp.page.mouse.move(middle.x, middle.y);
      await cp.page.mouse.down();
      await cp.page.mouse.move(middle.x + 120, middle.y + 60, { steps: 6 });
      await cp.page.mouse.up();
      await waitForBox(amsterdam, (b) => Math.abs(b.x - wheeled.x - 120) < 15 && Math.abs(b.y - wheeled.y - 60) < 15, 'pan');

      await cp.byTestId('zoom-reset').click();
      await waitForBox(amsterdam, (b) => Math.abs(b.width - start.width) < 2 && Math.abs(b.x - start.x) < 2, 'reset');
      assert.deepEqual(cp.problems(), []);
    } finally {
      await cp.close();
    }
  });

  it('switches between Dutch and English: headings and <html lang> follow', kStep, async () => {
    const cp = await ConsolePage.open(browser, stack);
    try {
      cp.page.setDefaultTimeout(10000);
      await cp.signIn(stack.tokens.operator);
      await cp.byTestId('nav-raise').click();
      await cp.byTestId('lang-nl').click();
      assert.equal(await cp.page.getAttribute('html', 'lang'), 'nl');
      const dutch = await headings(cp);
      await cp.byTestId('lang-en').click();
      assert.equal(await cp.page.getAttribute('html', 'lang'), 'en');
      const english = await headings(cp);
      assert.ok(dutch.length > 0, 'the screen has a heading');
      assert.notDeepEqual(english, dutch, 'the headings change language');
      await cp.screenshot('raise-en');
      await cp.byTestId('lang-nl').click();
      assert.equal(await cp.page.getAttribute('html', 'lang'), 'nl');
      assert.deepEqual(cp.problems(), []);
    } finally {
      await cp.close();
    }
  });

  it('signs in and reaches the send button with the keyboard only', kStep, async () => {
    const cp = await ConsolePage.open(browser, stack);
    try {
      cp.page.setDefaultTimeout(10000);
      await cp.byTestId('token-input').waitFor();
      await tabTo(cp, 'token-input');
      await cp.page.keyboard.type(stack.tokens.operator);
      await tabTo(cp, 'signin-button');
      await cp.page.keyboard.press('Enter');
      await cp.byTestId('whoami').waitFor();
      await tabTo(cp, 'nav-raise');
      await cp.page.keyboard.press('Enter');
      await cp.byTestId('map').waitFor();
      // An area without a mouse: the municipality as a whole, picked from the list by typing.
      await tabTo(cp, 'municipality-select');
      await cp.page.keyboard.type('GM0363');
      await tabTo(cp, 'title-input');
      await cp.page.keyboard.type('Inbraak Damstraat');
      await tabTo(cp, 'message-input');
      await cp.page.keyboard.type('Man in donkere jas gevlucht richting Nieuwmarkt.');
      await tabTo(cp, 'send-button');
      assert.ok(await cp.byTestId('send-button').isEnabled());
      assert.deepEqual(cp.problems(), []);
    } finally {
      await cp.close();
    }
  });

  it('is usable on a tablet: the map and the navigation fit the screen', kStep, async () => {
    const cp = await ConsolePage.open(browser, stack, { viewport: kTablet });
    try {
      cp.page.setDefaultTimeout(10000);
      await cp.signIn(stack.tokens.operator);
      await cp.byTestId('nav-raise').click();
      await cp.byTestId('map').waitFor();
      for (const id of ['map', 'nav-raise', 'nav-actions', 'nav-stats', 'send-button']) {
        const box = await cp.byTestId(id).boundingBox();
        assert.ok(box, `${id} is shown`);
        assert.ok(box.x >= 0 && box.x + box.width <= kTablet.width + 1, `${id} fits the width`);
      }
      const overflow = await cp.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `no sideways scrolling (${overflow} px)`);
      await cp.screenshot('raise-tablet');
      assert.deepEqual(cp.problems(), []);
    } finally {
      await cp.close();
    }
  });
});
