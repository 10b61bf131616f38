// Debian's Chromium through playwright-core, and a page that records what a user would not see:
// requests off loopback, console errors, uncaught exceptions.
import fs from 'node:fs';
import path from 'node:path';

import { chromium } from 'playwright-core';

import { chromiumBinary, screenshotDir } from './paths.mjs';

const kLoopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);
// The smallest screen to be usable at.
export const kViewport = { width: 1280, height: 800 };
export const kTablet = { width: 1024, height: 768 };

export async function launchBrowser() {
  if (!fs.existsSync(chromiumBinary)) {
    throw new Error(`${chromiumBinary} is missing: scripts/setup installs Debian's chromium`);
  }
  // Chromium's sandbox needs user namespaces it cannot have as root in a container.
  const args = process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: chromiumBinary, headless: true, args });
}

// One browser context (its own cookies and storage) and page, with the checks every test makes.
export class ConsolePage {
  static async open(browser, stack, { viewport = kViewport } = {}) {
    const context = await browser.newContext({ viewport, locale: 'nl-NL', timezoneId: 'Europe/Amsterdam' });
    const page = await context.newPage();
    const consolePage = new ConsolePage(context, page, stack);
    await page.goto(`${stack.baseUrl}/console/`);
    return consolePage;
  }

  constructor(context, page, stack) {
    this.context = context;
    this.page = page;
    this.stack = stack;
    this.requests = [];
    this.offLoopback = [];
    this.consoleErrors = [];
    this.pageErrors = [];
    // Console errors a test provokes on purpose (a 403 it wants to see shown): patterns.
    this.expectedErrors = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      this.requests.push({ method: request.method(), url, body: request.postData() });
      if ((url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'ws:') && !kLoopbackHosts.has(url.hostname)) {
        this.offLoopback.push(request.url());
      }
    });
    page.on('console', (message) => {
      if (message.type() === 'error') this.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => this.pageErrors.push(String(error)));
  }

  byTestId(id) {
    return this.page.getByTestId(id);
  }

  expectConsoleError(pattern) {
    this.expectedErrors.push(pattern);
  }

  // What every test asserts at its end (test 6 of the issue): nothing left loopback, and the
  // browser's console stayed clean.
  problems() {
    const unexpected = this.consoleErrors.filter((text) => !this.expectedErrors.some((p) => p.test(text)));
    const found = [];
    if (this.offLoopback.length) found.push(`requests off loopback: ${this.offLoopback.join(', ')}`);
    if (unexpected.length) found.push(`console errors: ${unexpected.join(' | ')}`);
    if (this.pageErrors.length) found.push(`page errors: ${this.pageErrors.join(' | ')}`);
    return found;
  }

  // The /v1 requests the page made, as "METHOD /path".
  apiRequests() {
    return this.requests.filter((r) => r.url.pathname.startsWith('/v1/')).map((r) => ({ ...r, path: r.url.pathname }));
  }

  async signIn(token) {
    await this.byTestId('token-input').fill(token);
    await this.byTestId('signin-button').click();
    await this.byTestId('whoami').waitFor();
  }

  async screenshot(screen) {
    fs.mkdirSync(screenshotDir, { recursive: true });
    await this.page.screenshot({ path: path.join(screenshotDir, `${screen}.png`) });
  }

  async close() {
    await this.context.close();
  }
}
