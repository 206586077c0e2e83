// WebSocket client shared by the guest panel and the staff console: JSON
// frames, automatic reconnection with jittered exponential backoff, and a
// `hello` frame rebuilt on every (re)connect so the caller can resume.
import { signal, type ReadonlySignal } from '@preact/signals';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface Frame {
  type: string;
}

export interface BackoffOptions {
  /** first delay in ms */
  baseMs: number;
  /** ceiling of the un-jittered delay in ms */
  maxMs: number;
  /** 0.5 means ±50 % */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 15_000, jitter: 0.5 };

/**
 * Delay before reconnect attempt `attempt` (0 for the first retry): the base
 * doubled per attempt up to the ceiling, then spread by ±jitter so that many
 * clients dropped at once do not all come back at the same instant.
 */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  const spread = 1 + opts.jitter * (2 * random() - 1);
  return Math.round(exp * spread);
}

/** Resolve a path such as "/ws/guest" against the page into a ws:// or wss:// URL. */
export function wsUrl(path: string, base: string = globalThis.location.href): string {
  const url = new URL(path, base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
  return url.toString();
}

type WebSocketCtor = new (url: string) => WebSocket;

export interface WsClientOptions<Out extends Frame> {
  url: string | (() => string);
  /** builds the first frame of each connection (e.g. hello with resume); null sends none */
  hello: () => Out | null;
  backoff?: BackoffOptions;
  /** decides after an unexpected close whether to try again (default: always) */
  shouldReconnect?: (ev: CloseEvent) => boolean;
  WebSocket?: WebSocketCtor;
  random?: () => number;
  setTimeout?: (fn: () => void, ms: number) => Timer;
  clearTimeout?: (id: Timer) => void;
}

/** A timer handle: whatever the clock returns (a number in browsers, an object in Node). */
export type Timer = NonNullable<unknown>;

type Handler<In> = (frame: In) => void;

export class WsClient<In extends Frame, Out extends Frame = Frame> {
  private readonly stateSignal = signal<ConnectionState>('closed');
  /** connection state, observable (read .value in a component, or subscribe) */
  readonly state: ReadonlySignal<ConnectionState> = this.stateSignal;
  private socket: WebSocket | null = null;
  private attempt = 0;
  private timer: Timer | null = null;
  private stopped = true;
  private readonly handlers = new Set<Handler<In>>();
  private readonly opts: WsClientOptions<Out>;

  constructor(opts: WsClientOptions<Out>) {
    this.opts = opts;
  }

  /** Start (or restart) connecting; does nothing while already connected. */
  connect(): void {
    this.stopped = false;
    if (this.socket) return;
    this.clearTimer();
    this.open(this.stateSignal.value === 'reconnecting' ? 'reconnecting' : 'connecting');
  }

  /** Close for good; no reconnection until connect() is called again. */
  close(code = 1000): void {
    this.stopped = true;
    this.clearTimer();
    const s = this.socket;
    this.socket = null;
    if (s && s.readyState < 2) s.close(code);
    this.stateSignal.value = 'closed';
  }

  /** Send a frame; false when not connected (the caller keeps it for later). */
  send(frame: Out): boolean {
    if (!this.socket || this.stateSignal.value !== 'open') return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /** Listen to every incoming frame; returns the unsubscribe function. */
  onFrame(handler: Handler<In>): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Skip the remaining backoff (e.g. when the browser comes back online). */
  retryNow(): void {
    if (!this.stopped && !this.socket) {
      this.clearTimer();
      this.open('reconnecting');
    }
  }

  private open(state: ConnectionState): void {
    this.stateSignal.value = state;
    const url = typeof this.opts.url === 'function' ? this.opts.url() : this.opts.url;
    const Ctor = this.opts.WebSocket ?? globalThis.WebSocket;
    let socket: WebSocket;
    try {
      socket = new Ctor(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.stateSignal.value = 'open';
      const hello = this.opts.hello();
      if (hello) socket.send(JSON.stringify(hello));
    };
    socket.onmessage = (ev: MessageEvent) => {
      if (this.socket !== socket || typeof ev.data !== 'string') return;
      // A frame arrived, so the server accepted us: the next drop starts the backoff afresh.
      this.attempt = 0;
      let frame: In;
      try {
        frame = JSON.parse(ev.data) as In;
      } catch {
        return;
      }
      if (typeof frame !== 'object' || frame === null || typeof frame.type !== 'string') return;
      for (const h of [...this.handlers]) h(frame);
    };
    socket.onclose = (ev: CloseEvent) => {
      if (this.socket !== socket) return;
      this.socket = null;
      const again = this.opts.shouldReconnect?.(ev) ?? true;
      if (this.stopped || !again) {
        this.stateSignal.value = 'closed';
        return;
      }
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    this.socket = null;
    this.stateSignal.value = 'reconnecting';
    const delay = backoffDelay(this.attempt++, this.opts.backoff, this.opts.random);
    const set = this.opts.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
    this.timer = set(() => {
      this.timer = null;
      if (!this.stopped) this.open('reconnecting');
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      const clear = this.opts.clearTimeout ?? ((id) => globalThis.clearTimeout(id as number));
      clear(this.timer);
      this.timer = null;
    }
  }
}
