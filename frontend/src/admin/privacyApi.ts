// The admin menu's calls for privacy requests and retention (issue 17 item 4).
import type { ErasureOut, GuestPage, RetentionOut } from '../shared/api-types';
import { parseError } from '../shared/api';
import { locale } from '../shared/i18n';
import { api } from '../shared/session';

const id = (s: string): string => encodeURIComponent(s);

export const getRetention = () => api.get<RetentionOut>('/api/admin/retention');
export const putRetention = (days: number | null) => api.put<RetentionOut>('/api/admin/retention', { retention_days: days });
export const searchGuests = (q: string, page = 1) => api.get<GuestPage>('/api/guests', { q, page });
export const eraseGuest = (guestId: string) => api.post<ErasureOut>(`/api/admin/guests/${id(guestId)}/erase`, {});

/** The export is a POST (CSRF like every admin action) answering a ZIP: save it as a file. */
export async function exportGuest(guestId: string): Promise<string> {
  const headers: Record<string, string> = { 'Accept-Language': locale.value };
  if (api.csrfToken) headers['X-CSRF-Token'] = api.csrfToken;
  const res = await fetch(`/api/admin/guests/${id(guestId)}/export`, { method: 'POST', headers, credentials: 'same-origin' });
  if (!res.ok) {
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      // not JSON: parseError keeps the status
    }
    throw parseError(res.status, body);
  }
  const name = /filename="?([^";]+)"?/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `chats-guest-${guestId}.zip`;
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}
