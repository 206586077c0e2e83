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
}

export type Role = 'admin' | 'agent';

export interface Staff {
  id: string;
  login_id: string;
  name: string;
  role: Role;
  max_chats: number;
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
    store: rawStore
      ? { id: str(rawStore['id']), name: str(rawStore['name']), time_zone: str(rawStore['time_zone'], 'UTC') }
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

export async function login(loginId: string, password: string): Promise<Staff> {
  return adopt(await api.post<unknown>('/api/auth/login', { login_id: loginId, password }));
}

/** Log out; the local session ends even when the server cannot be reached. */
export async function logout(): Promise<void> {
  try {
    await api.post('/api/auth/logout');
  } finally {
    api.csrfToken = null;
    session.value = null;
  }
}
