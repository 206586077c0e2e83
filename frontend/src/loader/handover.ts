// The loader's side of its postMessage talk with the guest panel (its iframe).
// Bundled into widget.js: every byte counts.

interface PanelFrame {
  contentWindow: { postMessage(message: unknown, targetOrigin: string): void } | null;
}

interface Incoming {
  origin: string;
  source: unknown;
  data: unknown;
}

/**
 * The message if it comes from our own panel on the CHATS origin, else null:
 * other frames and the host page itself are not heard.
 */
export const panelMessage = <T>(e: Incoming, origin: string, frame: PanelFrame | null): (T & { type: string }) | null => {
  const m = e.data as (T & { type?: unknown }) | null;
  return frame && e.origin === origin && e.source === frame.contentWindow && m && typeof m.type === 'string'
    ? (m as T & { type: string })
    : null;
};

/** Answer the panel's `chats:need-token`: to the CHATS origin only, never '*'. */
export const handOver = (frame: PanelFrame | null, origin: string, token: string | undefined): void =>
  frame?.contentWindow?.postMessage({ type: 'chats:token', token: token || null }, origin);
