// The admin menu's calls for the mail outbox (issue 18), typed with the generated API types.
import type { MailList, MailOut, MailStatus } from '../shared/api-types';
import { api } from '../shared/session';

/** One page of the outbox; `status` may name several (the API takes the parameter repeated). */
export function listMails(status: readonly MailStatus[], page: number): Promise<MailList> {
  const qs = new URLSearchParams();
  for (const s of status) qs.append('status', s);
  qs.set('page', String(page));
  return api.get<MailList>(`/api/outbox?${qs.toString()}`);
}
export const retryMail = (mailId: string) => api.post<MailOut>(`/api/outbox/${encodeURIComponent(mailId)}/retry`, {});
export const discardMail = (mailId: string) => api.post<MailOut>(`/api/outbox/${encodeURIComponent(mailId)}/discard`, {});
