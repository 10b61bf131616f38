// The statistics as three SVG charts drawn here (no library): actions per month, the share
// resolved (and resolved thanks to participants), and the median time to the first message.
import {api, ApiError} from './api.js';
import {clear, h, svg} from './dom.js';
import {number, tr} from './i18n.js';

const W = 560;
const H = 220;
const PAD = {left: 48, right: 12, top: 12, bottom: 36};

// bars: [{label, values: [number|null, ...]}], one colour class per series.
function barChart(testid, titleKey, months, series, format) {
  const max = Math.max(1, ...series.flatMap((s) => s.values.filter((v) => v !== null)));
  const chart = svg('svg', {testid, class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img'});
  tr(chart, titleKey, null, 'aria-label');
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  for (let i = 0; i <= 4; i++) {
    const y = PAD.top + plotH - (plotH * i) / 4;
    chart.append(svg('line', {x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, class: 'grid'}),
      svg('text', {x: PAD.left - 6, y: y + 4, class: 'axis', 'text-anchor': 'end'}, format((max * i) / 4)));
  }
  const slot = plotW / Math.max(1, months.length);
  const barW = Math.max(2, (slot * 0.8) / series.length);
  months.forEach((month, m) => {
    series.forEach((s, k) => {
      const v = s.values[m];
      if (v === null || v === undefined) return;
      const height = (plotH * v) / max;
      const rect = svg('rect', {x: PAD.left + m * slot + slot * 0.1 + k * barW, y: PAD.top + plotH - height, width: barW, height, class: `series-${k}`});
      rect.append(svg('title', {}, `${month}: ${format(v)}`));
      chart.append(rect);
    });
    if (months.length <= 12 || m % 2 === 0) {
      chart.append(svg('text', {x: PAD.left + m * slot + slot / 2, y: H - PAD.bottom + 16, class: 'axis', 'text-anchor': 'middle'}, month.slice(2)));
    }
  });
  const legend = h('p', {class: 'legend'}, ...series.map((s, k) => h('span', {class: `key series-${k}`}, tr(h('span'), s.label))));
  return h('figure', {class: 'chart-box'}, tr(h('figcaption'), titleKey), chart, legend);
}

export async function statsScreen(root) {
  clear(root).append(tr(h('p', {class: 'hint'}), 'loading'));
  let stats;
  try {
    stats = await api('GET', '/v1/stats', undefined, {quiet: true});
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) {
      clear(root).append(h('section', {class: 'stats'}, tr(h('h1'), 'stats_title'), tr(h('p', {class: 'hint'}), 'stats_forbidden')));
      return;
    }
    document.dispatchEvent(new CustomEvent('apierror', {detail: e}));
    clear(root);
    return;
  }
  const months = Object.keys(stats.actions.by_month).sort();
  const byMonth = (m) => stats.actions.by_month[m];
  const times = stats.time_to_message.by_month || {};
  const percent = (v) => `${Math.round(v * 100)}%`;
  const seconds = (v) => (v >= 120 ? `${Math.round(v / 60)} min` : `${Math.round(v)} s`);
  clear(root).append(h('section', {class: 'stats'},
    tr(h('h1'), 'stats_title'),
    tr(h('p', {class: 'hint'}), 'stats_scope', {from: stats.from, to: stats.to, scope: stats.scope, n: number(stats.actions.actions)}),
    h('div', {class: 'charts'},
      barChart('chart-actions-per-month', 'chart_actions', months, [{label: 'series_actions', values: months.map((m) => byMonth(m).actions)}], (v) => number(Math.round(v))),
      barChart('chart-share-resolved', 'chart_share', months, [
        {label: 'series_resolved', values: months.map((m) => byMonth(m).share_resolved)},
        {label: 'series_resolved_by_tip', values: months.map((m) => byMonth(m).share_resolved_by_tip)},
      ], percent),
      barChart('chart-time-to-first', 'chart_time', months, [
        {label: 'series_median', values: months.map((m) => (times[m] ? times[m].first_message_s.median : null))},
        {label: 'series_p90', values: months.map((m) => (times[m] ? times[m].first_message_s.p90 : null))},
      ], seconds))));
}
