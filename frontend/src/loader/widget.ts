// CHATS embed loader, pasted into a store's pages as
//   <script src="https://CHATS_HOST/widget.js" data-store="KEY" async></script>
// It records the page view, shows the chat-start button for the current
// availability and opens the guest panel (an iframe from the CHATS origin).
// Plain DOM, no dependencies: every byte here is downloaded by every visitor
// of every store page. Its only global is window.CHATS.

type Availability = 'away' | 'waiting' | 'busy';

interface Visit {
  token?: string;
  availability?: Availability;
  unread?: number;
}

interface Config {
  buttons?: Partial<Record<Availability, string>>;
}

interface ChatsApi {
  v: number;
  open(): void;
  close(): void;
  toggle(): void;
  /** record another page view (for single-page sites that change URL without reloading) */
  pageview(): void;
}

const LABELS: Record<'ja' | 'en', Record<Availability, string>> = {
  ja: { away: '離席中', waiting: '待機中', busy: '対応中' },
  en: { away: 'Away', waiting: 'Chat with us', busy: 'Busy' },
};

const STYLE =
  ':host{all:initial}' +
  '.b{position:fixed;right:16px;bottom:16px;z-index:2147483000;padding:0;border:0;background:none;cursor:pointer;font:600 15px/1.2 system-ui,"Hiragino Sans","Noto Sans JP",sans-serif}' +
  '.b[aria-disabled=true]{cursor:default}' +
  '.b img{display:block;width:100px;height:120px}' +
  '.t{display:block;padding:14px 20px;border-radius:999px;background:#1f6feb;color:#fff;box-shadow:0 6px 20px rgba(16,24,40,.25)}' +
  '.away .t{background:#667085}.busy .t{background:#d97706}' +
  '.b:focus-visible{outline:3px solid #1f6feb;outline-offset:3px}' +
  '.n{position:absolute;top:-6px;right:-6px;min-width:20px;padding:2px 6px;border-radius:999px;background:#d92d20;color:#fff;font-size:12px;text-align:center}' +
  '.p{position:fixed;right:16px;bottom:var(--b,88px);z-index:2147483001;width:380px;height:600px;max-height:calc(100vh - var(--b,88px) - 16px);overflow:hidden;border-radius:12px;background:#fff;box-shadow:0 12px 40px rgba(16,24,40,.3)}' +
  '.p[hidden]{display:none}' +
  'iframe{display:block;width:100%;height:100%;border:0}' +
  '@media (max-width:480px){.p{inset:0;width:auto;height:auto;max-height:none;border-radius:0}.o .b{display:none}}';

((): void => {
  const w = window as Window & { CHATS?: ChatsApi };
  const script = document.currentScript as HTMLScriptElement | null;
  const key = script?.dataset['store'];
  if (w.CHATS || !script || !key) return; // loaded twice, or not set up

  const origin = new URL(script.src, location.href).origin;
  const base = `${origin}/api/widget/${encodeURIComponent(key)}`;
  const tokenKey = `chats:token:${key}`;
  const pageLang = script.dataset['lang'] || document.documentElement.lang || navigator.language || '';
  const lang = /^en/i.test(pageLang) ? 'en' : 'ja';

  const readToken = (): string | undefined => {
    try {
      return localStorage.getItem(tokenKey) || undefined;
    } catch {
      return undefined; // storage blocked: the guest is new on each page
    }
  };
  const saveToken = (token: unknown): void => {
    try {
      if (typeof token === 'string' && token) localStorage.setItem(tokenKey, token);
    } catch {
      /* storage blocked */
    }
  };

  const visit = (): Promise<Visit> =>
    fetch(`${base}/visit`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: readToken(), url: location.href, title: document.title, referrer: document.referrer }),
    }).then((r) => (r.ok ? (r.json() as Promise<Visit>) : Promise.reject(new Error(`visit ${r.status}`))));

  const config = (): Promise<Config> =>
    fetch(`${base}/config`)
      .then((r) => (r.ok ? (r.json() as Promise<Config>) : {}))
      .catch(() => ({}));

  let status: Availability = 'away';
  let unread = 0;
  let images: Config['buttons'] = {};
  let host: HTMLElement;
  let wrap: HTMLElement;
  let button: HTMLButtonElement;
  let panel: HTMLElement;
  let frame: HTMLIFrameElement | null = null;
  let mounted = false;

  const isOpen = (): boolean => mounted && !panel.hidden;

  const renderButton = (): void => {
    if (!mounted) return;
    const label = LABELS[lang][status];
    const src = images?.[status];
    wrap.className = `${status}${isOpen() ? ' o' : ''}`;
    button.setAttribute('aria-disabled', String(status === 'away' && !isOpen()));
    button.setAttribute('aria-expanded', String(isOpen()));
    button.textContent = '';
    if (src) {
      const img = document.createElement('img');
      img.src = new URL(src, origin).href;
      img.alt = label;
      img.onerror = () => {
        images = {}; // broken image: fall back to text
        renderButton();
      };
      button.append(img);
    } else {
      const text = document.createElement('span');
      text.className = 't';
      text.textContent = label;
      button.append(text);
    }
    if (unread > 0) {
      const badge = document.createElement('span');
      badge.className = 'n';
      badge.textContent = String(unread);
      button.append(badge);
    }
  };

  const setOpen = (open: boolean): void => {
    if (!mounted || open === isOpen() || (open && status === 'away')) return;
    if (open && !frame) {
      frame = document.createElement('iframe');
      frame.title = lang === 'en' ? 'Chat' : 'チャット';
      const q = new URLSearchParams({ store: key, token: readToken() ?? '', lang, host: location.origin });
      frame.src = `${origin}/widget/panel?${q}`;
      panel.append(frame);
    }
    panel.style.setProperty('--b', `${button.offsetHeight + 24}px`);
    panel.hidden = !open;
    renderButton();
    if (open) frame?.focus();
    else if (document.activeElement === host) button.focus();
  };

  const onMessage = (e: MessageEvent): void => {
    const d = e.data as { type?: string; status?: string; token?: unknown; count?: unknown } | null;
    if (e.origin !== origin || !frame || e.source !== frame.contentWindow || !d) return;
    if (d.type === 'chats:close') setOpen(false);
    else if (d.type === 'chats:token') saveToken(d.token);
    else if (d.type === 'chats:availability' && d.status && d.status in LABELS.ja) {
      status = d.status as Availability;
      renderButton();
    } else if (d.type === 'chats:unread' && typeof d.count === 'number') {
      unread = d.count;
      renderButton();
    }
  };

  const mount = (): void => {
    host = document.createElement('div');
    host.setAttribute('data-chats', '');
    const root = host.attachShadow({ mode: 'closed' });
    const style = document.createElement('style');
    style.textContent = STYLE;
    wrap = document.createElement('div');
    button = document.createElement('button');
    button.type = 'button';
    button.className = 'b';
    button.onclick = () => setOpen(!isOpen());
    panel = document.createElement('div');
    panel.className = 'p';
    panel.hidden = true;
    wrap.append(button, panel);
    root.append(style, wrap);
    mounted = true;
    renderButton();
    document.body.append(host);
    addEventListener('message', onMessage);
  };

  const apply = (v: Visit): void => {
    saveToken(v.token);
    if (v.availability && v.availability in LABELS.ja) status = v.availability;
    unread = typeof v.unread === 'number' ? v.unread : 0;
  };

  w.CHATS = {
    v: 1,
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle: () => setOpen(!isOpen()),
    pageview: () => {
      visit()
        .then((v) => {
          apply(v);
          renderButton();
        })
        .catch(() => {});
    },
  };

  Promise.all([visit(), config()])
    .then(([v, c]) => {
      apply(v);
      images = c.buttons ?? {};
      if (document.body) mount();
      else addEventListener('DOMContentLoaded', mount);
    })
    .catch(() => {
      // Server unreachable or store unknown: show nothing rather than a dead button.
    });
})();

export {};
