// JSON client for the CHATS HTTP API (/api). Staff calls ride on the session
// cookie; every state-changing call carries the CSRF token handed out by
// login and by GET /api/auth/me.

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** An error answer from the server ({"error": {code, message}}) or a transport failure. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status; 0 when the server could not be reached */
    readonly status: number,
    /** protocol error code (unauthorized, forbidden, …) or network_error / http_<status> */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether a call with this method must carry the CSRF header. */
export function needsCsrf(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Build an ApiError from a failed response's status and (possibly non-JSON) body. */
export function parseError(status: number, body: unknown): ApiError {
  const err = isRecord(body) ? body['error'] : undefined;
  if (isRecord(err) && typeof err['code'] === 'string') {
    const message = typeof err['message'] === 'string' ? err['message'] : err['code'];
    return new ApiError(status, err['code'], message);
  }
  // FastAPI's own errors ({"detail": …}) or a proxy's HTML page.
  const detail = isRecord(body) && typeof body['detail'] === 'string' ? body['detail'] : '';
  return new ApiError(status, `http_${status}`, detail || `HTTP ${status}`);
}

export interface ApiClientOptions {
  /** prefix of every path, '' for same origin */
  baseUrl?: string;
  fetch?: FetchLike;
  /** value for Accept-Language, so server messages come in the UI language */
  language?: () => string;
  /** called on any 401 answer (the session has ended), before the error is thrown */
  onUnauthorized?: () => void;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v != null) qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

export class ApiClient {
  /** CSRF token from the last login or /api/auth/me; null when logged out */
  csrfToken: string | null = null;
  private readonly baseUrl: string;
  private readonly fetchFn: FetchLike;
  private readonly language: (() => string) | undefined;
  private readonly onUnauthorized: (() => void) | undefined;

  constructor(opts: ApiClientOptions = {}) {
    this.baseUrl = opts.baseUrl ?? '';
    // Bound so that a plain `fetch` is not called with the client as `this`.
    this.fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.language = opts.language;
    this.onUnauthorized = opts.onUnauthorized;
  }

  /** Send one request; resolves with the parsed JSON (undefined for 204) or throws ApiError. */
  async request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    let payload: BodyInit | undefined;
    if (body instanceof FormData) {
      payload = body; // the browser sets the multipart boundary
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    if (needsCsrf(method) && this.csrfToken) headers['X-CSRF-Token'] = this.csrfToken;
    const lang = this.language?.();
    if (lang) headers['Accept-Language'] = lang;

    let res: Response;
    try {
      res = await this.fetchFn(this.baseUrl + withQuery(path, query), {
        method: method.toUpperCase(),
        headers,
        body: payload,
        credentials: 'same-origin',
      });
    } catch (e) {
      throw new ApiError(0, 'network_error', e instanceof Error ? e.message : String(e));
    }
    const data = await readJson(res);
    if (!res.ok) {
      if (res.status === 401) this.onUnauthorized?.();
      throw parseError(res.status, data);
    }
    return data as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, undefined, query);
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  patch<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }
  put<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }
  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }
}

async function readJson(res: Response): Promise<unknown> {
  if (res.status === 204) return undefined;
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
