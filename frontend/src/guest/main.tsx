import { effect } from '@preact/signals';
import { render } from 'preact';
import '../shared/tokens.css';
import '../shared/base.css';
import { ApiClient } from '../shared/api';
import type { PostalLookup } from '../shared/api-types';
import { initI18n, locale, t } from '../shared/i18n';
import { wsUrl } from '../shared/ws';
import { GuestChat } from './chat';
import { GuestApp } from './GuestApp';
import { askHostForToken, hostOrigin, postToHost, takeSecretsFromUrl } from './host';
import en from './i18n/en.json';
import ja from './i18n/ja.json';
import type { WidgetConfig } from './protocol';
import { applyTheme } from './theme';

// First of all: no secret stays in the address bar, the history or a Referer.
const mailToken = takeSecretsFromUrl(location, history);

initI18n({ ja, en });
effect(() => {
  document.title = t('guest.page_title');
});

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const params = new URLSearchParams(location.search);
const storeKey = params.get('store') ?? '';
const embedded = window.parent !== window;

const chat = new GuestChat({
  storeKey,
  // An e-mail notice's link (M2) carries a signed token for that guest's conversation;
  // else the loader hands the guest's token over (below), else the one this panel saved.
  token: mailToken,
  wsUrl: wsUrl('/ws/guest'),
  locale: () => locale.value,
  storage: safeStorage(),
  post: postToHost,
});

// Visible = the loader shows the panel (it says so by postMessage) and the tab is in front.
// The loader creates the iframe when the guest opens the chat: shown from the start.
let shownByHost = true;
const updateVisible = () => chat.setVisible(shownByHost && document.visibilityState === 'visible');
const host = hostOrigin(location.search, document.referrer);
window.addEventListener('message', (e: MessageEvent) => {
  const d = e.data as { type?: string; open?: unknown } | null;
  if (e.source !== window.parent || e.origin !== host || d?.type !== 'chats:open') return;
  shownByHost = d.open === true;
  updateVisible();
});
document.addEventListener('visibilitychange', updateVisible);
window.addEventListener('online', () => chat.setOnline(true));
window.addEventListener('offline', () => chat.setOnline(false));
updateVisible();
if (embedded && !mailToken) {
  // The same guest as the page view: the loader knows its token (never in our URL).
  void askHostForToken({ self: window, parent: window.parent, host, post: postToHost }).then((token) => chat.connect(token));
} else chat.connect();

// The entry form's postal code look-up: public, budgeted per address by the server.
const widgetApi = new ApiClient({ language: () => locale.value });
const lookupPostal = (code: string) => widgetApi.get<PostalLookup>(`/api/widget/${encodeURIComponent(storeKey)}/postal-codes`, { code });

const config: { value: WidgetConfig | null } = { value: null };
const root = document.getElementById('app');
const draw = () => {
  if (root) render(<GuestApp chat={chat} config={config.value} embedded={embedded} lookupPostal={lookupPostal} />, root);
};
draw();

const loadConfig = (): void => {
  fetch(`/api/widget/${encodeURIComponent(storeKey)}/config`, { headers: { 'Accept-Language': locale.value } })
    .then((r) => (r.ok ? (r.json() as Promise<WidgetConfig>) : null))
    .then((c) => {
      if (!c) return;
      const first = config.value === null;
      config.value = c;
      applyTheme(c.theme, document.documentElement);
      // The loader read the button images once; tell it when the admin changes them.
      if (!first) postToHost({ type: 'chats:buttons', buttons: c.buttons });
      draw();
    })
    .catch(() => {
      /* the chat works without the store's colours */
    });
};
loadConfig();
chat.settingsVersion.subscribe((v) => {
  if (v > 0) loadConfig();
});
