// The follow screen: an action's progress per message and channel and its tips, live from the
// event stream (no polling); an update (which may widen the area) and the close.
import {api, followEvents} from './api.js';
import {areaOf, ringsOfGeoJson} from './area.js';
import {clear, h, throttle} from './dom.js';
import {dateTime, number, t, tr} from './i18n.js';
import {describeShape, loadAreas, MapView} from './map.js';

const OUTCOMES = ['resolved_by_tip', 'resolved', 'unresolved', 'cancelled'];
const SENT = ['sent', 'delivered'];

function field(labelKey, control) {
  control.id = control.id || `f-${Math.random().toString(36).slice(2)}`;
  return h('div', {class: 'field'}, tr(h('label', {for: control.id}), labelKey), control);
}

export async function followScreen(root, session, id) {
  const abort = new AbortController();
  const [areas, action] = await Promise.all([loadAreas(), api('GET', `/v1/actions/${encodeURIComponent(id)}`)]);
  let current = action;
  let widened = null;

  const status = h('span', {testid: 'action-status', class: 'status'});
  const heading = h('h1', {});
  const meta = h('p', {class: 'meta'});
  const progress = h('div', {class: 'progress', 'aria-live': 'polite'});
  const tips = h('ul', {testid: 'tips', class: 'tips', 'aria-live': 'polite'});
  const noTips = tr(h('p', {class: 'hint'}), 'no_tips');

  const map = new MapView({
    areas,
    ownCode: session.area ? session.area.code : null,
    onShape: (shape, final) => {
      askEstimate(shape);
      if (final) {
        widened = shape;
        tr(widenText, ...describeShape(shape));
        askNewPeople(shape);
      }
    },
  });
  const rings = ringsOfGeoJson(action.current_area || action.area);
  if (rings.length) {
    map.showRings(rings, 'current-area');
    const xs = rings.flat().map((p) => p[0]);
    const ys = rings.flat().map((p) => p[1]);
    const margin = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) + 1000;
    map.view = [Math.min(...xs) - margin, -Math.max(...ys) - margin, Math.max(...xs) - Math.min(...xs) + 2 * margin,
      Math.max(...ys) - Math.min(...ys) + 2 * margin];
    map.applyView();
  }

  function renderAction(a) {
    current = a;
    heading.textContent = a.title;
    status.setAttribute('data-status', a.status);
    if (a.outcome) status.setAttribute('data-outcome', a.outcome);
    tr(status, a.outcome ? `outcome_${a.outcome}` : `status_${a.status}`);
    renderMeta(a);
    renderProgress(a.messages || [], a.channels || []);
    const open = a.status === 'active';
    updateForm.hidden = !open;
    closeForm.hidden = a.status === 'closed';
  }

  function renderMeta(a) {
    current = a;
    clear(meta).append(tr(h('span'), `kind_${a.kind}`), ' · ', tr(h('span'), `category_${a.category}`), ' · ',
      dateTime(a.created_at), ' · ', h('span', {testid: 'action-recipients', 'data-value': a.recipients},
        tr(h('span'), 'recipients_n', {n: number(a.recipients)})));
  }

  function renderProgress(messages, channels) {
    clear(progress);
    for (const m of messages) {
      const bars = h('div', {class: 'bars'});
      // Only channels with messages: a channel nobody in the area chose would stay an empty bar.
      const names = Object.keys(m.deliveries || {}).sort((a, b) => channels.indexOf(a) - channels.indexOf(b));
      for (const channel of names) {
        const counts = (m.deliveries || {})[channel] || {};
        const total = Object.values(counts).reduce((a, b) => a + b, 0);
        const sent = SENT.reduce((a, s) => a + (counts[s] || 0), 0);
        const failed = (counts.failed || 0) + (counts.expired || 0) + (counts.cancelled || 0);
        bars.append(h('div', {testid: 'channel-bar', 'data-channel': channel, 'data-sent': sent, 'data-total': total, class: 'bar'},
          h('span', {class: 'channel'}, channel),
          h('progress', {max: Math.max(total, 1), value: sent}),
          h('span', {class: 'numbers'}, `${number(sent)} / ${number(total)}`,
            failed ? tr(h('span', {class: 'failed'}), 'not_sent_n', {n: number(failed)}) : null)));
      }
      progress.append(h('section', {testid: 'message-progress', 'data-kind': m.kind, 'data-id': m.id, class: 'message'},
        h('h3', {}, tr(h('span'), `message_${m.kind}`), ' · ', dateTime(m.created_at)),
        h('p', {class: 'text'}, m.text), bars));
    }
  }

  async function loadTips() {
    const answer = await api('GET', `/v1/actions/${encodeURIComponent(id)}/tips`);
    clear(tips);
    for (const tip of answer.tips) {
      tips.append(h('li', {testid: 'tip', 'data-id': tip.id, class: 'tip'},
        h('time', {datetime: tip.created_at}, dateTime(tip.created_at)), ' ', tr(h('span', {class: 'source'}), `tip_${tip.source}`),
        h('p', {}, tip.text), tip.has_photo ? tr(h('span', {class: 'hint'}), 'tip_photo') : null));
    }
    noTips.hidden = answer.tips.length > 0;
  }

  async function reload() {
    const a = await api('GET', `/v1/actions/${encodeURIComponent(id)}`);
    if (a.current_area && JSON.stringify(a.current_area) !== JSON.stringify(current.current_area)) {
      map.showRings(ringsOfGeoJson(a.current_area), 'current-area');
    }
    renderAction(a);
  }

  // Update
  const updateMessage = h('textarea', {testid: 'update-message', rows: 3, maxlength: 1000});
  const widenButton = tr(h('button', {type: 'button', testid: 'update-widen', class: 'tool', 'aria-pressed': 'false'}), 'update_widen');
  const widenText = h('span', {class: 'hint'});
  const updateSend = tr(h('button', {type: 'button', testid: 'update-send', class: 'primary'}), 'update_send');
  const estimate = h('output', {testid: 'estimate', class: 'count', 'data-value': ''}, '–');
  const newPeople = h('output', {testid: 'exact-count', class: 'count', 'data-value': ''}, '–');
  const arm = (tool) => {
    map.setTool(tool);
    widenButton.setAttribute('aria-pressed', 'true');
    map.svg.focus({preventScroll: true});
  };
  const circleTool = tr(h('button', {type: 'button', testid: 'tool-circle', class: 'tool', onclick: () => arm('circle')}), 'tool_circle');
  const polygonTool = tr(h('button', {type: 'button', testid: 'tool-polygon', class: 'tool', onclick: () => arm('polygon')}), 'tool_polygon');
  const widenPanel = h('div', {class: 'widen', hidden: true},
    h('div', {class: 'tools'}, circleTool, polygonTool), tr(h('p', {class: 'hint'}), 'tool_hint'),
    h('p', {class: 'counts'}, tr(h('span'), 'estimate'), ' ', estimate, ' · ', tr(h('span'), 'new_people'), ' ', newPeople));
  widenButton.addEventListener('click', () => {
    widenPanel.hidden = false;
    arm('circle');
  });
  const setCount = (node, value) => {
    node.setAttribute('data-value', value === null ? '' : String(value));
    node.textContent = value === null ? '–' : number(value);
  };
  let estimateAbort = null;
  // While dragging: the grid's estimate of the whole new area, as the raise screen shows it.
  const askEstimate = throttle(async (shape) => {
    estimateAbort?.abort();
    estimateAbort = new AbortController();
    try {
      const answer = await api('POST', '/v1/actions', {kind: current.kind, category: current.category, title: current.title,
        message: current.message, area: areaOf(shape), dry_run: true, estimate_only: true}, {signal: estimateAbort.signal});
      setCount(estimate, answer.estimate.recipients);
    } catch {
      // shown in the banner, or aborted by the next position
    }
  }, 150);
  // On release: the people the new area adds (the update's own dry run).
  async function askNewPeople(shape) {
    try {
      const answer = await api('POST', `/v1/actions/${encodeURIComponent(id)}/updates`,
        {message: updateMessage.value.trim() || t('placeholder_message'), area: areaOf(shape), dry_run: true});
      setCount(newPeople, answer.new_recipients);
    } catch {
      setCount(newPeople, null);
    }
  }
  updateSend.addEventListener('click', async () => {
    const payload = {message: updateMessage.value.trim()};
    if (widened) payload.area = areaOf(widened);
    updateSend.disabled = true;
    try {
      await api('POST', `/v1/actions/${encodeURIComponent(id)}/updates`, payload, {idempotencyKey: crypto.randomUUID()});
      updateMessage.value = '';
      widened = null;
      widenText.textContent = '';
      widenPanel.hidden = true;
      widenButton.setAttribute('aria-pressed', 'false');
      setCount(estimate, null);
      setCount(newPeople, null);
      map.clearShape();
      await reload();
    } catch {
      // shown in the banner
    } finally {
      updateSend.disabled = false;
    }
  });
  const updateForm = h('form', {class: 'panel', novalidate: true, onsubmit: (e) => e.preventDefault()},
    tr(h('h2'), 'update_title'), field('update_message', updateMessage), h('div', {class: 'buttons'}, widenButton, widenText), widenPanel, h('div', {class: 'buttons'}, updateSend));

  // Close
  const outcome = h('select', {testid: 'close-outcome'});
  for (const o of OUTCOMES) outcome.append(tr(h('option', {value: o}), `outcome_${o}`));
  const closeMessage = h('textarea', {testid: 'close-message', rows: 3, maxlength: 1000});
  const closeSend = tr(h('button', {type: 'button', testid: 'close-send', class: 'danger'}), 'close_send');
  closeSend.addEventListener('click', async () => {
    closeSend.disabled = true;
    try {
      await api('POST', `/v1/actions/${encodeURIComponent(id)}/close`, {outcome: outcome.value, message: closeMessage.value.trim()},
        {idempotencyKey: crypto.randomUUID()});
      await reload();
    } catch {
      // shown in the banner
    } finally {
      closeSend.disabled = false;
    }
  });
  const closeForm = h('form', {class: 'panel', novalidate: true, onsubmit: (e) => e.preventDefault()},
    tr(h('h2'), 'close_title'), field('close_outcome', outcome), field('close_message', closeMessage),
    h('div', {class: 'buttons'}, closeSend));

  clear(root).append(h('section', {class: 'follow'},
    h('div', {class: 'map-column'}, map.element),
    h('div', {class: 'follow-side'},
      h('header', {class: 'follow-head'}, heading, status), meta,
      tr(h('h2'), 'progress_title'), progress,
      tr(h('h2'), 'tips_title'), noTips, tips,
      updateForm, closeForm)));
  renderAction(action);
  loadTips().catch(() => {});

  followEvents(id, (type, data) => {
    if (!root.isConnected) return;
    if (type === 'progress' && data.messages) {
      renderProgress(data.messages, current.channels || []);
      // A large action's recipients grow chunk by chunk while it is followed: the action's own
      // message carries the count so far.
      const first = data.messages.find((m) => m.kind === 'action');
      if (first && first.recipients !== current.recipients) renderMeta({...current, recipients: first.recipients});
    }
    else if (type === 'tip') loadTips().catch(() => {});
    else if (type === 'message' || type === 'closed' || type === 'expired') reload().catch(() => {});
  }, abort.signal);
  return () => {
    abort.abort();
    estimateAbort?.abort();
  };
}
