// The staff session (console and admin): who is logged in, and the calls
// that change it. Keeps the CSRF token on the API client.
import { signal } from '@preact/signals';
import { ApiClient, ApiError } from './api';
import { locale } from './i18n';

export interface Store {
  id: string;
  name: string;
  /** The IANA zone whose calendar days the store's statistics count. */
  time_zone: string;
  /** the store code staff may need at login (its widget key) */
  widget_key?: string;
}

export type Role = 'admin' | 'agent';

export interface Staff {
  id: string;
  login_id: string;
  name: string;
  role: Role;
  max_chats: number;
  /** the second factor (TOTP) is on */
  two_factor: boolean;
  store: Store | null;
}

/** undefined: not yet known; null: logged out */
export type SessionState = Staff | null | undefined;

export const session = signal<SessionState>(undefined);
export const api = new ApiClient({
  language: () => locale.value,
  // Any 401 means the session is over (expired, logged out elsewhere): back to the login form.
  onUnauthorized: () => {
    api.csrfToken = null;
    session.value = null;
  },
});

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback;
}

/**
 * Read a login or /me answer: {csrf_token, staff: {…, store?}} with the store
 * possibly beside the staff, or the staff fields at the top level.
 */
export function parseSession(body: unknown): { csrfToken: string | null; staff: Staff } {
  if (!isRecord(body)) throw new ApiError(200, 'bad_response', 'unexpected answer');
  const raw = isRecord(body['staff']) ? body['staff'] : body;
  const rawStore = isRecord(raw['store']) ? raw['store'] : isRecord(body['store']) ? body['store'] : null;
  const staff: Staff = {
    id: str(raw['id']),
    login_id: str(raw['login_id']),
    name: str(raw['name'], str(raw['login_id'])),
    role: raw['role'] === 'admin' ? 'admin' : 'agent',
    max_chats: typeof raw['max_chats'] === 'number' ? raw['max_chats'] : 1,
    two_factor: raw['two_factor'] === true,
    store: rawStore
      ? {
          id: str(rawStore['id']),
          name: str(rawStore['name']),
          time_zone: str(rawStore['time_zone'], 'UTC'),
          ...(typeof rawStore['widget_key'] === 'string' ? { widget_key: rawStore['widget_key'] } : {}),
        }
      : null,
  };
  const token = body['csrf_token'];
  return { csrfToken: typeof token === 'string' ? token : null, staff };
}

function adopt(body: unknown): Staff {
  const { csrfToken, staff } = parseSession(body);
  if (csrfToken) api.csrfToken = csrfToken;
  session.value = staff;
  return staff;
}

/** Ask the server who is logged in; null when nobody (401). Other errors propagate. */
export async function loadSession(): Promise<Staff | null> {
  try {
    return adopt(await api.get<unknown>('/api/auth/me'));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null; // onUnauthorized cleared the session
    throw e;
  }
}

/** What a correct password leads to: a session, or a second factor asked for first. */
export type LoginStep =
  | { kind: 'session'; staff: Staff }
  | { kind: 'totp' | 'setup'; challenge: string };

/** An authenticator set-up: the secret as text, and as a QR code image (data: URI). */
export interface Enrolment {
  secret: string;
  uri: string;
  qr_svg: string;
}

/**
 * Log in with login ID and password (and the store code when given). A staff
 * member with a second factor gets a challenge instead of a session.
 */
export async function login(loginId: string, password: string, store?: string): Promise<LoginStep> {
  const body: Record<string, string> = { login_id: loginId, password };
  if (store) body['store'] = store;
  const answer = await api.post<unknown>('/api/auth/login', body);
  if (isRecord(answer) && (answer['second_factor'] === 'totp' || answer['second_factor'] === 'setup')) {
    return { kind: answer['second_factor'], challenge: str(answer['challenge']) };
  }
  return { kind: 'session', staff: adopt(answer) };
}

/** The authenticator set-up a store that requires a second factor asks for at login. */
export function loginSetup(challenge: string): Promise<Enrolment> {
  return api.post<Enrolment>('/api/auth/login/totp/setup', { challenge });
}

/**
 * The second login step: a code from the authenticator app or a recovery code.
 * Returns the session answer without adopting it (recovery codes may have to
 * be shown first); `finishLogin` adopts it.
 */
export async function loginWithCode(challenge: string, code: string): Promise<{ answer: unknown; recoveryCodes: string[] }> {
  const answer = await api.post<unknown>('/api/auth/login/totp', { challenge, code: code.trim() });
  const codes = isRecord(answer) && Array.isArray(answer['recovery_codes']) ? answer['recovery_codes'].map((c) => str(c)) : [];
  return { answer, recoveryCodes: codes };
}

/** Adopt a session answer: the gate opens. */
export function finishLogin(answer: unknown): Staff {
  return adopt(answer);
}

const leaving = new Set<() => void>();

/** Call `forget` when the staff member logs out here (not when the session merely ends:
 * they log in again and carry on); returns the function that stops it. */
export function onLogout(forget: () => void): () => void {
  leaving.add(forget);
  return () => leaving.delete(forget);
}

/** Log out; the local session ends even when the server cannot be reached. */
export async function logout(): Promise<void> {
  try {
    await api.post('/api/auth/logout');
  } finally {
    for (const forget of [...leaving]) forget();
    api.csrfToken = null;
    session.value = null;
  }
}
