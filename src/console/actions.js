// The look-back list: actions newest first, searched by text and filtered by status.
import {api} from './api.js';
import {clear, debounce, h} from './dom.js';
import {dateTime, number, tr} from './i18n.js';

export async function actionsScreen(root) {
  const search = h('input', {testid: 'search-input', type: 'search', id: 'search', autocomplete: 'off'});
  tr(search, 'search_placeholder', null, 'placeholder');
  const status = h('select', {testid: 'status-filter', id: 'status'});
  for (const s of ['', 'active', 'closed', 'expired']) status.append(tr(h('option', {value: s}), s ? `status_${s}` : 'status_all'));
  const body = h('tbody');
  const empty = tr(h('p', {class: 'hint', hidden: true}), 'no_actions');
  let abort = null;

  async function load() {
    abort?.abort();
    abort = new AbortController();
    const query = new URLSearchParams({limit: '100'});
    if (search.value.trim()) query.set('q', search.value.trim());
    if (status.value) query.set('status', status.value);
    let answer;
    try {
      answer = await api('GET', `/v1/actions?${query}`, undefined, {signal: abort.signal});
    } catch {
      return;
    }
    clear(body);
    for (const a of answer.actions) {
      const open = () => (location.hash = `#/actions/${a.id}`);
      body.append(h('tr', {testid: 'action-row', 'data-id': a.id, class: 'row-link', onclick: open},
        h('td', {}, h('a', {href: `#/actions/${a.id}`}, a.title)),
        h('td', {}, tr(h('span'), `kind_${a.kind}`)),
        h('td', {}, tr(h('span'), `category_${a.category}`)),
        h('td', {}, tr(h('span', {class: `status status-${a.status}`}), a.outcome ? `outcome_${a.outcome}` : `status_${a.status}`)),
        h('td', {class: 'num'}, number(a.recipients)),
        h('td', {}, h('time', {datetime: a.created_at}, dateTime(a.created_at)))));
    }
    empty.hidden = answer.actions.length > 0;
  }

  search.addEventListener('input', debounce(load, 300));
  status.addEventListener('change', load);
  const head = h('tr');
  for (const key of ['col_title', 'col_kind', 'col_category', 'col_status', 'col_recipients', 'col_created']) head.append(tr(h('th', {scope: 'col'}), key));
  clear(root).append(h('section', {class: 'actions'},
    tr(h('h1'), 'actions_title'),
    h('div', {class: 'row filters'},
      h('div', {class: 'field'}, tr(h('label', {for: 'search'}), 'search'), search),
      h('div', {class: 'field'}, tr(h('label', {for: 'status'}), 'status'), status)),
    h('table', {class: 'list'}, h('thead', {}, head), body), empty));
  await load();
  return () => abort?.abort();
}
