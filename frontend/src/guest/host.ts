// Messages from the guest panel (in its iframe) to the loader on the store's page.

export type HostMessage =
  | { type: 'chats:need-token' }
  | { type: 'chats:close' }
  | { type: 'chats:availability'; status: 'away' | 'waiting' | 'busy'; blacklisted?: boolean }
  | { type: 'chats:token'; token: string }
  | { type: 'chats:unread'; count: number }
  | { type: 'chats:buttons'; buttons: Record<string, string | null> };

/**
 * Origin of the page that embeds the panel: the loader passes it as ?host=,
 * else the referrer's. Messages go to that origin only, never to '*'.
 */
export function hostOrigin(search: string, referrer: string): string | null {
  const candidates = [new URLSearchParams(search).get('host'), referrer];
  for (const c of candidates) {
    if (!c) continue;
    try {
      const origin = new URL(c).origin;
      if (origin !== 'null') return origin;
    } catch {
      /* not a URL: try the next one */
    }
  }
  return null;
}

/** Post to the embedding page; a no-op when the panel is opened on its own. */
export function postToHost(msg: HostMessage): void {
  if (window.parent === window) return;
  const origin = hostOrigin(location.search, document.referrer);
  if (origin) window.parent.postMessage(msg, origin);
}

/** Longest guest token accepted from the host page (the server's limit). */
const MAX_TOKEN = 128;
/** How long the panel waits for the loader's answer before going on with its own token. */
export const HANDOVER_TIMEOUT_MS = 1500;

interface Listener {
  addEventListener(type: 'message', fn: (e: MessageEvent) => void): void;
  removeEventListener(type: 'message', fn: (e: MessageEvent) => void): void;
}

export interface HandoverOptions {
  /** the panel's own window (where answers arrive) */
  self: Listener;
  /** the embedding page's window: only its answers count */
  parent: unknown;
  /** its origin (hostOrigin); null: nobody to ask */
  host: string | null;
  post: (msg: HostMessage) => void;
  timeoutMs?: number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (id: unknown) => void;
}

/**
 * Ask the loader for the guest token by postMessage (it is never put in the
 * panel's URL). Resolves with the token, or null when the host does not answer
 * in time, answers null, or sends something that is not a token.
 */
export function askHostForToken(opts: HandoverOptions): Promise<string | null> {
  if (!opts.host) return Promise.resolve(null);
  const set = opts.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
  const clear = opts.clearTimeout ?? ((id) => globalThis.clearTimeout(id as number));
  return new Promise((resolve) => {
    const done = (token: string | null): void => {
      opts.self.removeEventListener('message', onMessage);
      clear(timer);
      resolve(token);
    };
    const onMessage = (e: MessageEvent): void => {
      const d = e.data as { type?: unknown; token?: unknown } | null;
      if (e.source !== opts.parent || e.origin !== opts.host || d?.type !== 'chats:token') return;
      done(isToken(d.token) ? d.token : null);
    };
    const timer = set(() => done(null), opts.timeoutMs ?? HANDOVER_TIMEOUT_MS);
    opts.self.addEventListener('message', onMessage);
    opts.post({ type: 'chats:need-token' });
  });
}

function isToken(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TOKEN && /^[\x21-\x7e]+$/.test(value);
}

/**
 * Take secrets out of the address bar and the session history at once: the
 * e-mail link's `mail` token (returned, and kept in history.state so a reload
 * still finds it) and a `token` an old loader may have put there.
 */
export function takeSecretsFromUrl(loc: { pathname: string; search: string; hash: string },
                                   history: Pick<History, 'state' | 'replaceState'>): string | null {
  const params = new URLSearchParams(loc.search);
  const state = (history.state ?? {}) as { chatsMail?: unknown };
  const mail = params.get('mail') || (typeof state.chatsMail === 'string' ? state.chatsMail : null);
  if (params.has('mail') || params.has('token')) {
    params.delete('mail');
    params.delete('token');
    const query = params.toString();
    history.replaceState({ ...state, chatsMail: mail }, '', `${loc.pathname}${query ? `?${query}` : ''}${loc.hash}`);
  }
  return mail;
}
