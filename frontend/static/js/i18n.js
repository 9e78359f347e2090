// Message catalogues and the language selector. Every visible string on the
// pages comes from static/i18n/<lang>.json; HTML carries the English text only
// so that a page is readable before its catalogue arrives.

export const LANGUAGES = {
  en: 'English',
  fr: 'Français',
  es: 'Español',
  pt: 'Português',
  ar: 'العربية',
};
const RTL = new Set(['ar']);
const STORAGE_KEY = 'parley.lang';

let lang = 'en';
let messages = {};
let fallback = {};
let cardinal = new Intl.PluralRules('en');
let ordinal = new Intl.PluralRules('en', { type: 'ordinal' });
let numbers = new Intl.NumberFormat('en');

export function currentLanguage() {
  return lang;
}

// The stored choice wins; then the first of the browser's languages we have.
function preferredLanguage() {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored && stored in LANGUAGES) return stored;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary in LANGUAGES) return primary;
  }
  return 'en';
}

async function loadCatalogue(code) {
  const res = await fetch(`/static/i18n/${code}.json`);
  if (!res.ok) throw new Error(`catalogue ${code}: HTTP ${res.status}`);
  return res.json();
}

async function setLanguage(code) {
  // English is the fallback for any key a translation lacks.
  const [en, own] = await Promise.all([
    loadCatalogue('en'),
    code === 'en' ? null : loadCatalogue(code),
  ]);
  fallback = en;
  messages = own ?? en;
  lang = code;
  cardinal = new Intl.PluralRules(code);
  ordinal = new Intl.PluralRules(code, { type: 'ordinal' });
  numbers = new Intl.NumberFormat(code);
  document.documentElement.lang = code;
  document.documentElement.dir = RTL.has(code) ? 'rtl' : 'ltr';
  translate(document);
  document.dispatchEvent(new CustomEvent('languagechange', { detail: code }));
}

export function has(key) {
  return key in messages || key in fallback;
}

// hasOwn is whether the page's own catalogue has key, without the English
// fallback.
export function hasOwn(key) {
  return key in messages;
}

// t looks up key and fills {name} placeholders. A message that is an object
// holds plural forms, chosen by params.count. Numbers are written the
// language's way. On a right-to-left page each text value (a name, a title)
// is wrapped in Unicode isolates, so a Latin name inside an Arabic sentence
// keeps its place; left-to-right pages do not need them.
export function t(key, params = {}) {
  let msg = messages[key] ?? fallback[key] ?? key;
  if (typeof msg === 'object') {
    const forms = msg;
    msg = forms[cardinal.select(params.count ?? 0)] ?? forms.other;
  }
  const isolate = RTL.has(lang);
  return msg.replace(/\{(\w+)\}/g, (_, name) => {
    const v = params[name];
    if (v === undefined) return '';
    if (typeof v === 'number') return numbers.format(v);
    return isolate ? `\u2068${v}\u2069` : String(v);
  });
}

// ordinalOf writes n as "3rd", "3e", "3.º"… from the catalogue's "ordinal"
// entry, whose forms follow the language's ordinal plural rules.
export function ordinalOf(n) {
  const forms = messages.ordinal ?? fallback.ordinal;
  const form = forms[ordinal.select(n)] ?? forms.other;
  return form.replace('{n}', numbers.format(n));
}

export function formatNumber(n, options) {
  return new Intl.NumberFormat(lang, options).format(n);
}

// translate fills elements marked data-i18n="key" (text) and
// data-i18n-attr="attr:key;attr:key" (attributes such as aria-label).
export function translate(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}

// category names a balance category ("civil-society"); categories a room
// configures beyond the defaults have no translation and are shown as given.
export function category(value) {
  if (!value) return '';
  const key = `cat.${value}`;
  return has(key) ? t(key) : value.replaceAll('-', ' ');
}

// initI18n loads the preferred language and wires the page's selector.
export async function initI18n() {
  const select = document.getElementById('lang');
  const code = preferredLanguage();
  if (select) {
    for (const [value, name] of Object.entries(LANGUAGES)) {
      const opt = document.createElement('option');
      opt.value = value;
      opt.textContent = name;
      opt.lang = value;
      select.append(opt);
    }
    select.value = code;
    select.addEventListener('change', async () => {
      localStorage.setItem(STORAGE_KEY, select.value);
      await setLanguage(select.value);
    });
  }
  await setLanguage(code);
}
