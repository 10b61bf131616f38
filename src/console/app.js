// The console's shell: sign-in, header, hash routes and the error banner. Signed out, every
// route shows the sign-in; the token lives in this page's memory only.
import {actionsScreen} from './actions.js';
import {api, ApiError, onError, signedIn, signIn, signOut} from './api.js';
import {clear, h} from './dom.js';
import {followScreen} from './follow.js';
import {setLang, t, tr} from './i18n.js';
import {forgetAreas} from './map.js';
import {raiseScreen} from './raise.js';
import {statsScreen} from './stats.js';

const main = document.getElementById('main');
const banner = document.getElementById('error-banner');
const nav = document.getElementById('nav');
const whoami = document.getElementById('whoami');
let session = null;
let leave = null;

function showError(error) {
  clear(banner);
  const text = error instanceof ApiError && error.field ? `${error.message} (${error.field})` : error.message;
  banner.append(h('span', {}, text),
    tr(h('button', {type: 'button', class: 'close', onclick: () => (banner.hidden = true)}), 'dismiss'));
  banner.setAttribute('data-code', error.code || '');
  banner.hidden = false;
}
// A token revoked or expired while signed in: back to the sign-in, with nothing kept.
onError((error) => (error.status === 401 && session ? doSignOut() : showError(error)));
document.addEventListener('apierror', (e) => showError(e.detail));

function header() {
  nav.hidden = !session;
  document.getElementById('signout').hidden = !session;
  clear(whoami);
  if (!session) return;
  whoami.append(tr(h('span', {class: 'role'}), `role_${session.role}`), ` (${session.role}) `, h('span', {class: 'name'}, session.name));
  if (session.area) whoami.append(' · ', h('span', {class: 'area'}, `${session.area.code}${session.area.name ? ' ' + session.area.name : ''}`));
}

function signinScreen() {
  const input = h('input', {testid: 'token-input', id: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true});
  const error = h('p', {testid: 'signin-error', class: 'error', role: 'alert', hidden: true});
  const button = tr(h('button', {testid: 'signin-button', type: 'submit', class: 'primary'}), 'signin');
  const form = h('form', {class: 'signin panel'},
    tr(h('h1'), 'signin_title'), tr(h('p', {class: 'hint'}), 'signin_hint'),
    h('div', {class: 'field'}, tr(h('label', {for: 'token'}), 'token'), input), error, h('div', {class: 'buttons'}, button));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    signIn(token);
    try {
      session = await api('GET', '/v1/session', undefined, {quiet: true});
    } catch (err) {
      signOut();
      session = null;
      error.hidden = false;
      tr(error, err instanceof ApiError && err.status === 401 ? 'signin_refused' : 'signin_failed', {why: err.message});
      return;
    }
    input.value = '';
    banner.hidden = true;
    header();
    const wanted = location.hash;
    if (!wanted || wanted === '#/signin' || wanted === '#/') location.hash = session.kinds.length ? '#/raise' : '#/actions';
    else route();
  });
  clear(main).append(form);
  input.focus();
}

async function route() {
  leave?.();
  leave = null;
  banner.hidden = true;  // an error belongs to the screen it happened on
  const hash = location.hash || '#/raise';
  if (!signedIn() || !session) {
    signinScreen();
    return;
  }
  for (const link of nav.querySelectorAll('a')) link.classList.toggle('current', hash.startsWith(link.getAttribute('href')));
  const follow = hash.match(/^#\/actions\/([0-9a-fA-F-]{36})$/);
  try {
    if (follow) leave = await followScreen(main, session, follow[1]);
    else if (hash === '#/actions') leave = await actionsScreen(main);
    else if (hash === '#/stats') leave = await statsScreen(main);
    else if (hash === '#/raise' && session.kinds.length) leave = await raiseScreen(main, session);
    else location.hash = session.kinds.length ? '#/raise' : '#/actions';
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      doSignOut();
      return;
    }
    if (!(e instanceof ApiError)) showError(e);
  }
  main.focus({preventScroll: true});
}

function doSignOut() {
  signOut();
  session = null;
  forgetAreas();
  header();
  banner.hidden = true;
  location.hash = '#/signin';
  signinScreen();
}

document.getElementById('signout').addEventListener('click', doSignOut);
document.getElementById('lang-nl').addEventListener('click', () => setLang('nl'));
document.getElementById('lang-en').addEventListener('click', () => setLang('en'));
document.addEventListener('langchange', () => {
  for (const id of ['lang-nl', 'lang-en']) {
    document.getElementById(id).setAttribute('aria-pressed', String(document.documentElement.lang === id.slice(5)));
  }
  document.title = t('app_title');
});
window.addEventListener('hashchange', route);
setLang('nl');
header();
route();
