// RD New (EPSG:28992) <-> WGS 84 by the approximation series of Schreutelkamp and Strang van
// Hees: within about a metre across the Netherlands, enough to draw and to send an area.
const X0 = 155000;
const Y0 = 463000;
const PHI0 = 52.1551744;
const LAM0 = 5.38720621;

const K = [[0, 1, 3235.65389], [2, 0, -32.58297], [0, 2, -0.2475], [2, 1, -0.84978], [0, 3, -0.0655],
  [2, 2, -0.01709], [1, 0, -0.00738], [4, 0, 0.0053], [2, 3, -0.00039], [4, 1, 0.00033], [1, 1, -0.00012]];
const L = [[1, 0, 5260.52916], [1, 1, 105.94684], [1, 2, 2.45656], [3, 0, -0.81885], [1, 3, 0.05594],
  [3, 1, -0.05607], [0, 1, 0.01199], [3, 2, -0.00256], [1, 4, 0.00128], [0, 2, 0.00022], [2, 0, -0.00022],
  [5, 0, 0.00026]];
const R = [[0, 1, 190094.945], [1, 1, -11832.228], [2, 1, -114.221], [0, 3, -32.391], [1, 0, -0.705],
  [3, 1, -2.34], [1, 3, -0.608], [0, 2, -0.008], [2, 3, 0.148]];
const S = [[1, 0, 309056.544], [0, 2, 3638.893], [2, 0, 73.077], [1, 2, -157.984], [3, 0, 59.788], [0, 1, 0.433],
  [2, 2, -6.439], [1, 1, -0.032], [0, 4, 0.092], [1, 4, -0.054]];

function series(terms, a, b) {
  let sum = 0;
  for (const [p, q, c] of terms) sum += c * a ** p * b ** q;
  return sum;
}

// {x, y} in metres -> {lat, lon} in degrees.
export function rdToWgs84(x, y) {
  const dx = (x - X0) * 1e-5;
  const dy = (y - Y0) * 1e-5;
  return {lat: PHI0 + series(K, dx, dy) / 3600, lon: LAM0 + series(L, dx, dy) / 3600};
}

export function wgs84ToRd(lat, lon) {
  const dphi = 0.36 * (lat - PHI0);
  const dlam = 0.36 * (lon - LAM0);
  return {x: X0 + series(R, dphi, dlam), y: Y0 + series(S, dphi, dlam)};
}

// Six decimals of a degree: about 10 cm, more than the series' own accuracy.
export function round6(value) {
  return Math.round(value * 1e6) / 1e6;
}
