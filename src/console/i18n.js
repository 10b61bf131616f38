// The UI language: Dutch by default, English on request. Every translated node carries its key
// (data-i18n), so a switch re-labels the page in place without losing a drawn area or a draft.
import {nl} from './lang_nl.js';
import {en} from './lang_en.js';

const dictionaries = {nl, en};
let language = 'nl';

export function lang() {
  return language;
}

// t('estimate', {n: 12}): the text for the current language, {name} filled in.
export function t(key, vars) {
  const text = dictionaries[language][key] ?? dictionaries.nl[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (_, name) => (vars[name] ?? '').toString());
}

// Sets the node's text (or one of its attributes) to `key`, and remembers it for a switch.
export function tr(node, key, vars, attribute) {
  const name = attribute ? `data-i18n-${attribute}` : 'data-i18n';
  node.setAttribute(name, key);
  if (vars) node.setAttribute(`${name}-vars`, JSON.stringify(vars));
  else node.removeAttribute(`${name}-vars`);
  if (attribute) node.setAttribute(attribute, t(key, vars));
  else node.textContent = t(key, vars);
  return node;
}

export function setLang(next) {
  if (!dictionaries[next]) return;
  language = next;
  document.documentElement.lang = next;
  for (const node of document.querySelectorAll('[data-i18n]')) {
    const vars = node.getAttribute('data-i18n-vars');
    node.textContent = t(node.getAttribute('data-i18n'), vars ? JSON.parse(vars) : undefined);
  }
  for (const attribute of ['placeholder', 'aria-label', 'title']) {
    for (const node of document.querySelectorAll(`[data-i18n-${attribute}]`)) {
      const vars = node.getAttribute(`data-i18n-${attribute}-vars`);
      node.setAttribute(attribute, t(node.getAttribute(`data-i18n-${attribute}`), vars ? JSON.parse(vars) : undefined));
    }
  }
  document.dispatchEvent(new CustomEvent('langchange'));
}

// Numbers and dates in the UI language's way.
export function number(n) {
  return new Intl.NumberFormat(language === 'nl' ? 'nl-NL' : 'en-GB').format(n);
}

export function dateTime(iso) {
  return new Intl.DateTimeFormat(language === 'nl' ? 'nl-NL' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Europe/Amsterdam',
  }).format(new Date(iso));
}
