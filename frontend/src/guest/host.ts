// Messages from the guest panel (in its iframe) to the loader on the store's page.

export type HostMessage =
  | { type: 'chats:close' }
  | { type: 'chats:availability'; status: 'away' | 'waiting' | 'busy' }
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
