// CHATS embed loader, pasted into a store's pages as
//   <script src="https://CHATS_HOST/widget.js" data-store="KEY" async></script>
// It records the page view, shows the chat-start button for the current
// availability and opens the guest panel (an iframe from the CHATS origin).
// Plain DOM, no dependencies: every byte here is downloaded by every visitor
// of every store page. Its only global is window.CHATS; its styles live in a
// shadow root, so nothing leaks in or out.
//
// Keeping the button current: before the panel exists, the loader re-checks
// every 30 s while the page is visible and whenever the tab comes back to the
// front, with POST /api/widget/KEY/status (availability and unread; no page
// view is recorded). Once the panel has been opened its live
// socket pushes `chats:availability` and `chats:unread` by postMessage.
//
// The guest token never travels in a URL (access logs, history, Referer): the
// panel's URL names the store only, and the panel asks for the token by
// postMessage (`chats:need-token`), answered to the CHATS origin only.
// The styles are a constructed stylesheet adopted by the shadow root, which a
// page whose CSP forbids inline styles (`style-src 'self'`) still allows.

import { handOver, panelMessage } from './handover';

type Availability = 'away' | 'waiting' | 'busy';

interface Status {
  token?: string;
  availability?: Availability;
  unread?: number;
  /** the store blacklisted this guest: plain away, never "leave a message" */
  blacklisted?: boolean;
}

interface Config {
  buttons?: Partial<Record<Availability, string | null>>;
}

interface ChatsApi {
  v: number;
  open(): void;
  close(): void;
  toggle(): void;
  /** record another page view (for single-page sites that change URL without reloading) */
  pageview(): void;
}

const LABELS = {
  ja: { away: '離席中 メッセージを残す', waiting: '待機中 チャットで相談', busy: '対応中 ただいま混雑中', closed: '離席中' },
  en: { away: 'Away - leave a message', waiting: 'Chat with us', busy: 'Busy - please wait', closed: 'Away' },
};
const RECHECK_MS = 30_000;

// :host rules marked !important win over anything the host page says about
// our element (inner important beats outer in the cascade); `all: initial`
// stops the page's inherited fonts and colours at the boundary.
const STYLE =
  ':host{all:initial!important;display:contents!important}' +
  '.b{position:fixed;right:16px;bottom:16px;z-index:2147483000;margin:0;padding:0;border:0;background:none;cursor:pointer;line-height:0;border-radius:16px}' +
  '.b img{display:block;width:100px;height:120px;filter:drop-shadow(0 6px 14px rgba(16,24,40,.28))}' +
  '.t{display:block;padding:14px 20px;border-radius:999px;background:#1a7f37;color:#fff;font:700 15px/1.2 system-ui,sans-serif}' +
  '.b:focus-visible{outline:3px solid #1f6feb;outline-offset:3px}' +
  '.n{position:absolute;top:-8px;right:-8px;min-width:24px;padding:3px 7px;box-sizing:border-box;border:2px solid #fff;border-radius:999px;background:#d92d20;color:#fff;font:700 13px/1.2 system-ui,sans-serif;text-align:center}' +
  '.p{position:fixed;right:16px;bottom:var(--chats-b,152px);z-index:2147483001;width:380px;height:600px;max-height:calc(100vh - var(--chats-b,152px) - 16px);overflow:hidden;border-radius:16px;background:#fff;box-shadow:0 12px 40px rgba(16,24,40,.3)}' +
  '.p[hidden]{display:none}' +
  'iframe{display:block;width:100%;height:100%;border:0}' +
  '@media (max-width:480px){.b{right:12px;bottom:12px}.b img{width:80px;height:96px}.p{inset:0;width:auto;height:auto;max-height:none;border-radius:0}.o .b{display:none}}';

((): void => {
  const w = window as Window & { CHATS?: ChatsApi };
  const d = document;
  const script = d.currentScript as HTMLScriptElement | null;
  const key = script?.dataset['store'];
  if (w.CHATS || !script || !key) return; // loaded twice, or not set up

  const origin = new URL(script.src, location.href).origin;
  const base = `${origin}/api/widget/${encodeURIComponent(key)}`;
  const tokenKey = `chats:token:${key}`;
  const tag = (l: string | null | undefined): 'ja' | 'en' | '' => (/^en/i.test(l || '') ? 'en' : /^ja/i.test(l || '') ? 'ja' : '');
  const lang = tag(script.dataset['lang']) || tag(d.documentElement.lang) || tag(navigator.language) || 'ja';

  // Kept in memory too: with storage blocked the page view, the re-checks and
  // the panel still share one guest (a new one on each page).
  let token: string | undefined;
  const readToken = (): string | undefined => {
    try {
      token = localStorage.getItem(tokenKey) || token;
    } catch {
      /* storage blocked */
    }
    return token;
  };
  const saveToken = (t: unknown): void => {
    if (typeof t !== 'string' || !t) return;
    token = t;
    try {
      localStorage.setItem(tokenKey, t);
    } catch {
      /* storage blocked */
    }
  };

  const visit = (): Promise<Status> =>
    fetch(`${base}/visit`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: readToken(), url: location.href, title: d.title, referrer: d.referrer }),
    }).then((r) => (r.ok ? (r.json() as Promise<Status>) : Promise.reject(new Error(`visit ${r.status}`))));

  const config = (): Promise<Config> =>
    fetch(`${base}/config`)
      .then((r) => (r.ok ? (r.json() as Promise<Config>) : {}))
      .catch(() => ({}));

  let status: Availability = 'away';
  let closed = false; // blacklisted: the built-in plain away button, whatever the store's image
  let unread = 0;
  let images: Config['buttons'] = {};
  let wrap: HTMLElement;
  let button: HTMLButtonElement;
  let img: HTMLImageElement;
  let badge: HTMLElement;
  let panel: HTMLElement;
  let host: HTMLElement;
  let frame: HTMLIFrameElement | null = null;
  let mounted = false;

  const isOpen = (): boolean => mounted && !panel.hidden;
  const builtIn = (s: Availability): string => `${origin}/static/buttons/${s}.${lang}.svg`;

  const renderButton = (): void => {
    if (!mounted) return;
    const label = LABELS[lang][closed ? 'closed' : status];
    const src = closed
      ? `${origin}/static/buttons/closed.${lang}.svg`
      : images?.[status]
        ? new URL(images[status] as string, origin).href
        : builtIn(status);
    wrap.className = isOpen() ? 'o' : '';
    wrap.dataset['status'] = closed ? 'closed' : status;
    if (!img.getAttribute('src')) img.src = src;
    else if (img.getAttribute('src') !== src) {
      // swap once the new image is in the cache: no blank button in between
      const next = new Image();
      next.onload = next.onerror = () => {
        img.src = src;
      };
      next.src = src;
    }
    img.alt = label;
    button.setAttribute('aria-expanded', String(isOpen()));
    badge.hidden = unread < 1;
    badge.textContent = String(unread);
    button.setAttribute('aria-label', unread > 0 ? `${label} (${unread})` : label);
  };

  const tell = (open: boolean): void => frame?.contentWindow?.postMessage({ type: 'chats:open', open }, origin);

  const setOpen = (open: boolean): void => {
    if (!mounted || open === isOpen()) return;
    if (open && !frame) {
      frame = d.createElement('iframe');
      frame.title = lang === 'en' ? 'Chat' : 'チャット';
      const q = new URLSearchParams({ store: key, lang, host: location.origin });
      frame.src = `${origin}/widget/panel?${q}`;
      panel.append(frame);
    }
    panel.style.setProperty('--chats-b', `${button.offsetHeight + 32}px`);
    panel.hidden = !open;
    tell(open);
    renderButton();
    if (open) frame?.focus();
    else if (d.activeElement === host) button.focus();
  };

  const apply = (v: Status): void => {
    saveToken(v.token);
    if (v.availability && v.availability in LABELS.ja) status = v.availability;
    if (typeof v.unread === 'number') unread = v.unread;
    if (typeof v.blacklisted === 'boolean') closed = v.blacklisted;
    renderButton();
  };

  const onMessage = (e: MessageEvent): void => {
    const m = panelMessage<{ status?: Availability; blacklisted?: unknown; token?: unknown; count?: unknown; buttons?: Config['buttons'] }>(
      e,
      origin,
      frame,
    );
    if (!m) return;
    if (m.type === 'chats:need-token') handOver(frame, origin, readToken());
    else if (m.type === 'chats:close') setOpen(false);
    else if (m.type === 'chats:token') saveToken(m.token);
    else if (m.type === 'chats:availability') apply({ availability: m.status, blacklisted: m.blacklisted === true });
    else if (m.type === 'chats:unread' && typeof m.count === 'number') apply({ unread: m.count });
    else if (m.type === 'chats:buttons') {
      images = m.buttons || {};
      renderButton();
    }
  };

  // Before the panel exists: a read-only status call (no page view is recorded).
  // Skipped while the tab is hidden.
  const recheck = (): void => {
    if (frame || d.hidden || !mounted) return;
    // A text/plain POST: the token stays out of the URL and no preflight doubles the calls.
    fetch(`${base}/status`, { method: 'POST', body: JSON.stringify({ token: readToken() }) })
      .then((r) => (r.ok ? (r.json() as Promise<Status>) : null))
      .then((f) => f && apply(f))
      .catch(() => undefined);
  };

  const mount = (): void => {
    host = d.createElement('chats-widget');
    const root = host.attachShadow({ mode: 'open' });
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
      root.adoptedStyleSheets = [sheet];
    } catch {
      // No constructable stylesheets (Safari before 16.4): an inline style, which a strict CSP blocks.
      const style = d.createElement('style');
      style.textContent = STYLE;
      root.append(style);
    }
    wrap = d.createElement('div');
    button = d.createElement('button');
    button.type = 'button';
    button.className = 'b';
    button.onclick = () => setOpen(!isOpen());
    img = d.createElement('img');
    img.width = 100;
    img.height = 120;
    img.onerror = () => {
      // The store's image is broken: use ours; ours too: a plain text button.
      if (images?.[status]) {
        images = {};
        renderButton();
      } else {
        const text = d.createElement('span');
        text.className = 't';
        text.textContent = LABELS[lang][status];
        img.replaceWith(text);
      }
    };
    badge = d.createElement('span');
    badge.className = 'n';
    badge.setAttribute('aria-hidden', 'true');
    button.append(img, badge);
    panel = d.createElement('div');
    panel.className = 'p';
    panel.hidden = true;
    wrap.append(button, panel);
    root.append(wrap);
    mounted = true;
    renderButton();
    d.body.append(host);
    addEventListener('message', onMessage);
    d.addEventListener('visibilitychange', recheck);
    setInterval(recheck, RECHECK_MS);
  };

  w.CHATS = {
    v: 1,
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle: () => setOpen(!isOpen()),
    pageview: () => {
      visit().then(apply, () => {});
    },
  };

  Promise.all([visit(), config()])
    .then(([v, c]) => {
      images = c.buttons ?? {};
      if (d.body) mount();
      else addEventListener('DOMContentLoaded', mount);
      apply(v);
    })
    .catch(() => {
      // Server unreachable or store unknown: show nothing rather than a dead button.
    });
})();

export {};
