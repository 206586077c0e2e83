// The admin menu's calls for the audit log (issue 17), typed with the generated API types.
import type { AuditAction, AuditPage } from '../shared/api-types';
import { api } from '../shared/session';

export interface AuditQuery {
  action: AuditAction | '';
  from: string;
  to: string;
}

function params(q: AuditQuery): URLSearchParams {
  const qs = new URLSearchParams();
  if (q.action) qs.set('action', q.action);
  if (q.from) qs.set('from', q.from);
  if (q.to) qs.set('to', q.to);
  return qs;
}

export function listAudit(q: AuditQuery, page: number): Promise<AuditPage> {
  const qs = params(q);
  qs.set('page', String(page));
  return api.get<AuditPage>(`/api/admin/audit?${qs.toString()}`);
}

/** The CSV export of the same filters (a plain link: the browser downloads it). */
export function auditCsvUrl(q: AuditQuery): string {
  const qs = params(q).toString();
  return qs ? `/api/admin/audit.csv?${qs}` : '/api/admin/audit.csv';
}
