// The raise screen: pick a municipality, draw the area (live estimate while dragging, the exact
// count on release), compose with counters and the rendered texts, send (with confirmation).
import {api, ApiError} from './api.js';
import {areaOf} from './area.js';
import {clear, debounce, h, throttle} from './dom.js';
import {lang, number, t, tr} from './i18n.js';
import {describeShape, insideRings, loadAreas, MapView, shapePoints} from './map.js';
import {measureSms, tweetLength} from './texts.js';

export const CATEGORIES = ['burglary', 'missing_person', 'amber_alert', 'street_robbery', 'robbery', 'shoplifting',
  'pickpocketing', 'hit_and_run', 'vehicle', 'witness_call', 'prevention', 'other'];

function field(labelKey, control, hintNode) {
  const id = control.id || `f-${Math.random().toString(36).slice(2)}`;
  control.id = id;
  return h('div', {class: 'field'}, tr(h('label', {for: id}), labelKey), control, hintNode);
}

export async function raiseScreen(root, session) {
  const areas = await loadAreas();
  const ownCode = session.area ? session.area.code : null;
  const municipal = session.role === 'municipal';
  let shape = null;
  let exact = null;
  let atMost = null;  // the grid's bound from the last preview: what the API checks a confirmation against
  let idempotencyKey = crypto.randomUUID();
  let estimateAbort = null;
  let previewAbort = null;

  const estimate = h('output', {testid: 'estimate', class: 'count', 'data-value': ''}, '–');
  const exactCount = h('output', {testid: 'exact-count', class: 'count', 'data-value': ''}, '–');
  const byChannel = h('span', {class: 'by-channel'});
  // Push channels that match on the device: the server knows no phone's place, only the grid's
  // estimate of how many app users live in the area (issue 16); said as such.
  const devicesEstimated = h('span', {class: 'devices-estimated', testid: 'devices-estimated'});
  const areaText = h('span', {class: 'area-text', 'aria-live': 'polite'});
  const refused = tr(h('p', {testid: 'area-refused', class: 'warning', hidden: true}), 'area_outside', {code: ownCode || ''});

  let map;
  const allows = (s) => {
    if (!municipal || !ownCode || s.kind === 'municipality') return true;
    const rings = map.rings(ownCode);
    return rings.length === 0 || shapePoints(s).every(([x, y]) => insideRings(rings, x, y));
  };

  const select = h('select', {testid: 'municipality-select', id: 'municipality'});
  const choices = municipal && ownCode ? areas.areas.filter((a) => a.code === ownCode) : areas.areas;
  if (!municipal) select.append(tr(h('option', {value: ''}), 'choose_municipality'));
  for (const area of choices) select.append(h('option', {value: area.code}, `${area.code} ${area.name}`));

  const kind = h('select', {testid: 'kind-select', id: 'kind'});
  for (const k of session.kinds) kind.append(tr(h('option', {value: k}), `kind_${k}`));
  const category = h('select', {testid: 'category-select', id: 'category'});
  for (const c of CATEGORIES) category.append(tr(h('option', {value: c}), `category_${c}`));
  if (municipal) category.value = 'witness_call';
  const title = h('input', {testid: 'title-input', id: 'title', maxlength: 120, autocomplete: 'off'});
  const message = h('textarea', {testid: 'message-input', id: 'message', rows: 5, maxlength: 1000});
  const smsCounter = h('output', {testid: 'sms-counter', class: 'counter', 'data-segments': 0, 'data-chars': 0});
  const tweetCounter = h('output', {testid: 'tweet-counter', class: 'counter', 'data-chars': 0, 'data-limit': session.tweet.max_length});
  const previews = h('div', {testid: 'preview-texts', class: 'previews', 'aria-live': 'polite'});
  const night = h('div', {testid: 'night-notice', class: 'notice', role: 'note'});
  const sendButton = tr(h('button', {type: 'button', testid: 'send-button', class: 'primary'}), 'send');
  const confirmCount = h('strong', {testid: 'confirm-count'});
  const confirmSend = tr(h('button', {type: 'button', testid: 'confirm-send', class: 'primary'}), 'confirm_send');
  const confirmCancel = tr(h('button', {type: 'button'}), 'cancel');
  const confirmText = h('p');
  const dialog = h('dialog', {testid: 'confirm-dialog', class: 'dialog'}, tr(h('h2'), 'confirm_title'), confirmText,
    h('div', {class: 'buttons'}, confirmCancel, confirmSend));

  function body(extra) {
    return {
      kind: kind.value,
      category: category.value,
      // The estimate needs a valid body before anything is typed; the words do not change it.
      title: title.value.trim() || t('placeholder_title'),
      message: message.value.trim() || t('placeholder_message'),
      area: areaOf(shape),
      ...extra,
    };
  }

  function setCount(node, value) {
    node.setAttribute('data-value', value === null ? '' : String(value));
    node.textContent = value === null ? '–' : number(value);
  }

  const askEstimate = throttle(async () => {
    if (!shape) return;
    estimateAbort?.abort();
    estimateAbort = new AbortController();
    try {
      const answer = await api('POST', '/v1/actions', body({dry_run: true, estimate_only: true}), {signal: estimateAbort.signal});
      setCount(estimate, answer.estimate.recipients);
    } catch (e) {
      if (e.name !== 'AbortError') setCount(estimate, null);
    }
  }, 150);

  async function askExact() {
    if (!shape) return;
    previewAbort?.abort();
    previewAbort = new AbortController();
    exactCount.classList.add('busy');
    try {
      const answer = await api('POST', '/v1/actions', body({dry_run: true}), {signal: previewAbort.signal});
      exact = answer.recipients;
      atMost = answer.estimate ? answer.estimate.at_most : null;
      setCount(exactCount, answer.recipients);
      if (answer.estimate) setCount(estimate, answer.estimate.recipients);
      byChannel.textContent = Object.entries(answer.by_channel || {}).map(([c, n]) => `${c} ${number(n)}`).join(' · ');
      clear(devicesEstimated);
      for (const [channel, n] of Object.entries(answer.estimated || {}))
        devicesEstimated.append(tr(h('span', {'data-channel': channel}), 'devices_estimated', {channel, n: number(n)}), h('br'));
      // Texts made of the placeholders would show words nobody wrote: only once both are typed.
      if (title.value.trim() && message.value.trim()) showTexts(answer.texts || []);
    } catch (e) {
      if (e.name !== 'AbortError') {
        exact = null;
        setCount(exactCount, null);
      }
    } finally {
      exactCount.classList.remove('busy');
    }
  }
  const askExactSoon = debounce(askExact, 600);

  function showTexts(texts) {
    clear(previews);
    for (const text of texts) {
      previews.append(h('figure', {testid: 'preview-text', 'data-channel': text.channel, 'data-lang': text.language, class: 'preview'},
        h('figcaption', {}, `${text.channel} · ${text.language}`),
        text.title ? h('strong', {}, text.title) : null,
        h('pre', {}, text.text)));
    }
  }

  function updateCounters() {
    const text = [title.value.trim(), message.value.trim()].filter(Boolean).join('\n');
    const sms = measureSms(text);
    smsCounter.setAttribute('data-segments', sms.segments);
    smsCounter.setAttribute('data-chars', sms.chars);
    tr(smsCounter, sms.encoding === 'ucs2' ? 'sms_counter_ucs2' : 'sms_counter', {chars: sms.chars, segments: sms.segments, max: session.sms.max_segments});
    smsCounter.classList.toggle('over', sms.segments > session.sms.max_segments);
    const tweet = tweetLength(text);
    tweetCounter.setAttribute('data-chars', tweet);
    tr(tweetCounter, 'tweet_counter', {chars: tweet, limit: session.tweet.max_length});
    tweetCounter.classList.toggle('over', tweet > session.tweet.max_length);
  }

  function updateNight() {
    const alerts = session.alerts;
    night.hidden = kind.value !== 'alert';
    night.setAttribute('data-active', alerts.night_now ? 'true' : 'false');
    clear(night);
    night.append(tr(h('p'), 'night_rule', {from: alerts.night_from, to: alerts.night_to}));
    if (alerts.night_now) night.append(tr(h('p', {class: 'warning'}), 'night_active', {time: alerts.night_ends_local}));
  }

  function onShape(next, final) {
    shape = next;
    refused.hidden = true;
    tr(areaText, ...describeShape(shape));
    exact = null;
    atMost = null;
    setCount(exactCount, null);
    askEstimate();
    if (final) askExact();
  }

  map = new MapView({
    areas,
    ownCode,
    allows,
    onShape,
    onRefused: () => {
      refused.hidden = false;
      shape = null;
      setCount(estimate, null);
      setCount(exactCount, null);
    },
    onToolDone: () => {
      circleTool.setAttribute('aria-pressed', 'false');
      polygonTool.setAttribute('aria-pressed', 'false');
    },
  });

  const toolButton = (testid, key, tool) => {
    const button = tr(h('button', {type: 'button', testid, class: 'tool', 'aria-pressed': 'false'}), key);
    // Pressing a tool always arms it (Escape on the map disarms): a second press never undoes it.
    button.addEventListener('click', () => {
      map.setTool(tool);
      circleTool.setAttribute('aria-pressed', String(tool === 'circle'));
      polygonTool.setAttribute('aria-pressed', String(tool === 'polygon'));
      map.svg.focus({preventScroll: true});
    });
    return button;
  };
  const circleTool = toolButton('tool-circle', 'tool_circle', 'circle');
  const polygonTool = toolButton('tool-polygon', 'tool_polygon', 'polygon');
  const wholeTool = tr(h('button', {type: 'button', testid: 'tool-municipality', class: 'tool'}), 'tool_municipality');
  wholeTool.addEventListener('click', () => {
    if (!select.value) return;
    map.clearShape();
    onShape({kind: 'municipality', code: select.value}, true);
  });

  select.addEventListener('change', () => {
    if (select.value) map.zoomTo(select.value);
  });
  kind.addEventListener('change', () => {
    updateNight();
    if (shape) askExactSoon();
  });
  category.addEventListener('change', () => shape && askExactSoon());
  for (const input of [title, message]) {
    input.addEventListener('input', () => {
      updateCounters();
      clear(previews);  // stale at once; the new texts follow the next preview
      if (shape) askExactSoon();
    });
  }
  const relabel = () => {
    if (!previews.isConnected) document.removeEventListener('langchange', relabel);
    else if (shape) askExactSoon();
  };
  document.addEventListener('langchange', relabel);

  async function send(confirmed) {
    if (!shape) {
      document.dispatchEvent(new CustomEvent('apierror', {detail: {message: t(municipal ? 'area_needed_own' : 'area_needed', {code: ownCode || ''})}}));
      return;
    }
    sendButton.disabled = true;
    try {
      const answer = await api('POST', '/v1/actions', body(confirmed ? {confirm_recipients: confirmed} : {}),
        {idempotencyKey, quiet: true});
      idempotencyKey = crypto.randomUUID();
      if (dialog.open) dialog.close();
      location.hash = `#/actions/${answer.id}`;
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && e.code === 'confirmation_required') {
        idempotencyKey = crypto.randomUUID();  // the refusal is stored under the old key
        openConfirm(e.body.error.recipients);
      } else if (e instanceof ApiError) {
        idempotencyKey = crypto.randomUUID();
        document.dispatchEvent(new CustomEvent('apierror', {detail: e}));
      }
    } finally {
      sendButton.disabled = false;
    }
  }

  function openConfirm(count) {
    confirmCount.textContent = number(count);
    confirmCount.setAttribute('data-value', String(count));
    clear(confirmText);
    confirmText.append(tr(h('span'), 'confirm_text_before'), ' ', confirmCount, ' ',
      tr(h('span'), 'confirm_text_after', {limit: number(session.limits.confirm_above)}));
    dialog.showModal();
    confirmSend.focus();
  }

  sendButton.addEventListener('click', () => {
    if (exact !== null && exact > session.limits.confirm_above) openConfirm(exact);
    else send(null);
  });
  // The API checks a confirmation against the grid's upper bound (docs/openapi.yaml): confirming
  // the exact count shown, the console covers that bound too, so the send is not refused again.
  confirmSend.addEventListener('click', () =>
    send(Math.max(Number(confirmCount.getAttribute('data-value')), atMost || 0)));
  confirmCancel.addEventListener('click', () => dialog.close());

  updateCounters();
  updateNight();
  tr(areaText, ...describeShape(null));

  clear(root).append(
    h('section', {class: 'raise'},
      h('div', {class: 'map-column'}, map.element),
      h('form', {class: 'compose', novalidate: true, onsubmit: (e) => e.preventDefault()},
        tr(h('h1'), municipal ? 'raise_title_municipal' : 'raise_title'),
        municipal ? tr(h('p', {class: 'hint'}), 'municipal_rules', {code: ownCode || ''}) : null,
        field('municipality', select),
        h('div', {class: 'tools', role: 'group'}, circleTool, polygonTool, wholeTool),
        tr(h('p', {class: 'hint'}), 'tool_hint'),
        refused,
        h('p', {class: 'counts'}, areaText, h('br'), tr(h('span'), 'estimate'), ' ', estimate, ' · ',
          tr(h('span'), 'exact_count'), ' ', exactCount, h('br'), byChannel, h('br'), devicesEstimated),
        h('div', {class: 'row'}, field('kind', kind), field('category', category)),
        field('title', title),
        field('message', message, h('div', {class: 'counters'}, smsCounter, tweetCounter)),
        night,
        h('details', {open: true}, tr(h('summary'), 'preview_texts'), previews),
        h('div', {class: 'buttons'}, sendButton)),
      dialog));

  if (ownCode) {
    select.value = ownCode;
    map.zoomTo(ownCode);
  }
  return () => {
    estimateAbort?.abort();
    previewAbort?.abort();
  };
}
