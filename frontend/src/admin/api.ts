// The admin menu's HTTP calls, typed with the generated API types.
import type {
  AdminFieldOut,
  CannedIn,
  CannedList,
  CannedOut,
  CannedPatch,
  ColoursIn,
  EmbedSettings,
  HoursIn,
  HoursOut,
  QueueSettings,
  FieldIn,
  FieldList,
  FieldPatch,
  ScreenSettings,
  StaffCreateIn,
  StaffList,
  StaffOut,
  StaffPatchIn,
  TwoFactorOut,
  StampList,
  StampOut,
  StampPatch,
  StatsOut,
} from '../shared/api-types';
import { locale } from '../shared/i18n';
import { api } from '../shared/session';
import type { ColourKey } from '../shared/theme';
import type { Range } from './lib/dates';

export type ButtonStatus = 'away' | 'waiting' | 'busy';
export const BUTTON_STATUSES: readonly ButtonStatus[] = ['away', 'waiting', 'busy'];
export type { ColourKey };
export const COLOUR_KEYS: readonly ColourKey[] = [
  'header_bg',
  'header_fg',
  'guest_bubble_bg',
  'guest_bubble_fg',
  'staff_bubble_bg',
  'staff_bubble_fg',
];

function fileForm(file: File, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('file', file, file.name);
  return form;
}

const id = (s: string): string => encodeURIComponent(s);

export const listStaff = () => api.get<StaffList>('/api/staff');
export const createStaff = (body: StaffCreateIn) => api.post<StaffOut>('/api/staff', body);
export const patchStaff = (staffId: string, body: StaffPatchIn) => api.patch<StaffOut>(`/api/staff/${id(staffId)}`, body);
export const resetTwoFactor = (staffId: string) => api.delete<void>(`/api/staff/${id(staffId)}/two-factor`);
export const getTwoFactor = () => api.get<TwoFactorOut>('/api/auth/two-factor');
export const requireTwoFactor = (required: boolean) => api.put<TwoFactorOut>('/api/admin/two-factor', { required });

export const getScreen = () => api.get<ScreenSettings>('/api/admin/screen');
export const putButton = (status: ButtonStatus, file: File) =>
  api.put<ScreenSettings>(`/api/admin/buttons/${status}`, fileForm(file));
export const resetButton = (status: ButtonStatus) => api.delete<ScreenSettings>(`/api/admin/buttons/${status}`);
export const patchTheme = (body: ColoursIn) => api.patch<ScreenSettings>('/api/admin/theme', body);
export const putLogo = (file: File) => api.put<ScreenSettings>('/api/admin/logo', fileForm(file));
export const deleteLogo = () => api.delete<ScreenSettings>('/api/admin/logo');

export const getEmbed = () => api.get<EmbedSettings>('/api/admin/embed');
export const putEmbed = (origins: string[]) => api.put<EmbedSettings>('/api/admin/embed', { origins });
export const getHours = () => api.get<HoursOut>('/api/admin/hours');
export const putHours = (body: HoursIn) => api.put<HoursOut>('/api/admin/hours', body);
export const previewHours = (body: HoursIn) => api.post<HoursOut>('/api/admin/hours/preview', body);
export const getQueue = () => api.get<QueueSettings>('/api/admin/queue');
export const putQueue = (on: boolean) => api.put<QueueSettings>('/api/admin/queue', { queue_when_busy: on });

export const listFields = () => api.get<FieldList>('/api/admin/fields');
export const createField = (body: FieldIn) => api.post<AdminFieldOut>('/api/admin/fields', body);
export const patchField = (fieldId: string, body: FieldPatch) =>
  api.patch<AdminFieldOut>(`/api/admin/fields/${id(fieldId)}`, body);
export const removeField = (fieldId: string) => api.delete<void>(`/api/admin/fields/${id(fieldId)}`);
export const orderFields = (ids: string[]) => api.put<FieldList>('/api/admin/fields/order', { ids });

export const listStamps = () => api.get<StampList>('/api/admin/stamps');
export const createStamp = (file: File, code: string, label: string) =>
  api.post<StampOut>('/api/admin/stamps', fileForm(file, { code, label }));
export const patchStamp = (stampId: string, body: StampPatch) => api.patch<StampOut>(`/api/admin/stamps/${id(stampId)}`, body);
export const putStampImage = (stampId: string, file: File) =>
  api.put<StampOut>(`/api/admin/stamps/${id(stampId)}/image`, fileForm(file));
export const deleteStamp = (stampId: string) => api.delete<void>(`/api/admin/stamps/${id(stampId)}`);

export const listCanned = () => api.get<CannedList>('/api/canned-responses');
export const createCanned = (body: CannedIn) => api.post<CannedOut>('/api/canned-responses', body);
export const patchCanned = (cannedId: string, body: CannedPatch) =>
  api.patch<CannedOut>(`/api/canned-responses/${id(cannedId)}`, body);
export const deleteCanned = (cannedId: string) => api.delete<void>(`/api/canned-responses/${id(cannedId)}`);

export const getStats = (range: Range) => api.get<StatsOut>('/api/stats', { ...range });

/** Link of the CSV download (a plain GET with the session cookie; headers in the UI language). */
export function statsCsvUrl(range: Range): string {
  const q = new URLSearchParams({ from: range.from, to: range.to, by: range.by, lang: locale.value });
  return `/api/stats.csv?${q.toString()}`;
}
