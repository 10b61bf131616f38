// Places on the console's map: a WGS84 point to RD New (EPSG:28992) and then to the screen, and
// the mouse gestures of the drawing tools.

// The RD approximation of Schreutelkamp and Strang van Hees (about a metre off): enough to aim
// the mouse, and no projection library in the browser tests.
export function toRd(lat, lon) {
  const dp = 0.36 * (lat - 52.1551744);
  const dl = 0.36 * (lon - 5.38720621);
  const x =
    155000 +
    190094.945 * dl -
    11832.228 * dp * dl -
    114.221 * dp ** 2 * dl -
    32.391 * dl ** 3 -
    0.705 * dp -
    2.34 * dp ** 3 * dl -
    0.608 * dp * dl ** 3 -
    0.008 * dl ** 2 +
    0.148 * dp ** 2 * dl ** 3;
  const y =
    463000 +
    309056.544 * dp +
    3638.893 * dl ** 2 +
    73.077 * dp ** 2 -
    157.984 * dp * dl ** 2 +
    59.788 * dp ** 3 +
    0.433 * dl -
    6.439 * dp ** 2 * dl ** 2 -
    0.032 * dp * dl +
    0.092 * dl ** 4 -
    0.054 * dp * dl ** 4;
  return { x, y };
}

// Where a point lies on the screen, and how many pixels `meters` take there, read from the
// municipality path's own coordinates. The console draws in RD; whether it flips y in the path
// data (y = -RD y) or in a transform is its choice, so both are tried against the path's box.
export async function screenPoint(page, code, lat, lon, meters = 0) {
  const rd = toRd(lat, lon);
  return page.evaluate(
    ({ code, rd, meters }) => {
      const path = document.querySelector(`[data-testid=map] path[data-code="${code}"]`);
      if (!path) throw new Error(`no path of ${code} on the map`);
      const box = path.getBBox();
      const ctm = path.getScreenCTM();
      const inside = (y) => y >= box.y - 50000 && y <= box.y + box.height + 50000;
      const userY = inside(rd.y) ? rd.y : inside(-rd.y) ? -rd.y : null;
      const svg = path.ownerSVGElement;
      const point = svg.createSVGPoint();
      if (userY === null) {
        // Not RD metres: aim at the middle of the municipality's box instead.
        point.x = box.x + box.width / 2;
        point.y = box.y + box.height / 2;
      } else {
        point.x = rd.x;
        point.y = userY;
      }
      const screen = point.matrixTransform(ctm);
      const scale = userY === null ? null : Math.hypot(ctm.a, ctm.b);
      return { x: screen.x, y: screen.y, radius: scale === null ? null : meters * scale, rdUnits: userY !== null };
    },
    { code, rd, meters },
  );
}

// The centre of a municipality's shape on the screen.
export async function municipalityCentre(page, code) {
  const box = await page.locator(`[data-testid=map] path[data-code="${code}"]`).boundingBox();
  if (!box) throw new Error(`${code} is not on the screen`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

// Reads a numeric data-value, or null while the element is absent or empty.
export async function dataValue(locator, attribute = 'data-value') {
  if ((await locator.count()) === 0) return null;
  const value = await locator.first().getAttribute(attribute);
  return value === null || value === '' ? null : Number(value);
}

// Polls `read` until `accept` holds for its value; returns that value.
export async function waitForValue(read, accept, { timeout = 10000, interval = 100, what = 'value' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await read();
    if (accept(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
}
