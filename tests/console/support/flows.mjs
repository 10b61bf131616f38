// The steps several tests share: drawing a circle while reading the live estimate, composing.
import assert from 'node:assert/strict';

import { dataValue, screenPoint, waitForValue } from './map.mjs';

// Amsterdam's centre (the Dam) and Utrecht's: the sample population lives around both.
export const kAmsterdam = { code: 'GM0363', lat: 52.3731, lon: 4.8926 };
export const kUtrecht = { code: 'GM0344', lat: 52.0907, lon: 5.1214 };

export async function pickMunicipality(cp, code) {
  await cp.byTestId('municipality-select').selectOption(code);
}

// Draws a circle with the circle tool: mouse down at the centre, drag to `radii[0]` metres, read
// the live estimate, drag on to each next radius and read it again, release. Returns the
// estimates seen while the button was down, in order.
export async function drawCircle(cp, { code, lat, lon }, radii) {
  const { page } = cp;
  await cp.byTestId('tool-circle').click();
  const centre = await screenPoint(page, code, lat, lon, 1);
  assert.ok(centre.rdUnits, 'the map should draw in RD coordinates (metres)');
  await page.mouse.move(centre.x, centre.y);
  await page.mouse.down();
  const estimates = [];
  try {
    for (const radius of radii) {
      const pixels = radius * centre.radius;
      await page.mouse.move(centre.x + pixels, centre.y, { steps: 8 });
      const previous = estimates.at(-1);
      // A new radius must show a new estimate before the button is released.
      estimates.push(
        await waitForValue(
          () => dataValue(cp.byTestId('estimate')),
          (v) => v !== null && Number.isFinite(v) && v !== previous,
          { what: `the estimate at ${radius} m while dragging` },
        ),
      );
    }
  } finally {
    await page.mouse.up();
  }
  return estimates;
}

// The last exact preview the page asked for: the area it drew, to ask the API the same.
export function lastDryRunBody(cp) {
  const bodies = cp
    .apiRequests()
    .filter((r) => r.method === 'POST' && r.path === '/v1/actions' && r.body)
    .map((r) => JSON.parse(r.body))
    .filter((b) => b.dry_run && !b.estimate_only);
  return bodies.at(-1);
}

export async function compose(cp, { kind, category, title, message }) {
  if (kind) await cp.byTestId('kind-select').selectOption(kind);
  await cp.byTestId('category-select').selectOption(category);
  await cp.byTestId('title-input').fill(title);
  await cp.byTestId('message-input').fill(message);
}

// The channel bars of the follow screen: [{kind, channel, sent, total}].
export async function channelBars(cp) {
  return cp.page.$$eval('[data-testid=message-progress]', (messages) =>
    messages.flatMap((m) =>
      [...m.querySelectorAll('[data-testid=channel-bar]')].map((bar) => ({
        kind: m.getAttribute('data-kind'),
        channel: bar.getAttribute('data-channel'),
        sent: Number(bar.getAttribute('data-sent')),
        total: Number(bar.getAttribute('data-total')),
      })),
    ),
  );
}

// The id in #/actions/<id>, once the console went there.
export async function followedActionId(cp) {
  await cp.page.waitForURL(/#\/actions\/[0-9a-f-]{36}$/, { timeout: 15000 });
  return cp.page.url().split('/').at(-1);
}
