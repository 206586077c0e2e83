import { useState } from 'preact/hooks';
import type { StaffOut, StaffPatchIn } from '../../shared/api-types';
import { t } from '../../shared/i18n';
import { createStaff, patchStaff } from '../api';
import type { Action } from '../lib/useAction';

const LIMITS = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const MIN_PASSWORD = 8;

function MaxChatsSelect({ id, value, onChange, testid }: { id: string; value: number; onChange: (n: number) => void; testid: string }) {
  return (
    <select id={id} class="input" value={String(value)} onChange={(e) => onChange(Number(e.currentTarget.value))} data-testid={testid}>
      {LIMITS.map((n) => (
        <option key={n} value={String(n)}>
          {t('staff.max_chats_n', { n })}
        </option>
      ))}
    </select>
  );
}

function RoleSelect({ id, value, onChange, disabled }: { id: string; value: string; onChange: (r: string) => void; disabled?: boolean }) {
  return (
    <select id={id} class="input" value={value} disabled={disabled} onChange={(e) => onChange(e.currentTarget.value)}>
      <option value="agent">{t('role.agent')}</option>
      <option value="admin">{t('role.admin')}</option>
    </select>
  );
}

const EMPTY = { login_id: '', name: '', email: '', password: '', role: 'agent', max_chats: 3 };

/** Add a staff member: login ID, name, e-mail, first password, role, limit. */
export function StaffAddForm({ action, onAdded }: { action: Action; onAdded: (s: StaffOut) => void }) {
  const [form, setForm] = useState(EMPTY);
  const set = (patch: Partial<typeof EMPTY>) => setForm({ ...form, ...patch });

  const onSubmit = async (ev: Event) => {
    ev.preventDefault();
    const body = { ...form, login_id: form.login_id.trim(), name: form.name.trim() || null, email: form.email.trim() || null };
    const created = await action.run(() => createStaff(body), t('staff.added', { name: body.name ?? body.login_id }));
    if (created) {
      onAdded(created);
      setForm(EMPTY);
    }
  };

  return (
    <form class="admin-card" onSubmit={onSubmit} aria-labelledby="staff-add-heading" data-testid="staff-add">
      <h3 id="staff-add-heading" class="admin-card__title">
        {t('staff.add')}
      </h3>
      <div class="form-grid">
        <div class="field">
          <label for="staff-add-login">{t('staff.login_id')}</label>
          <input id="staff-add-login" class="input" required maxLength={100} autocomplete="off" value={form.login_id}
            onInput={(e) => set({ login_id: e.currentTarget.value })} data-testid="staff-add-login" />
        </div>
        <div class="field">
          <label for="staff-add-name">{t('staff.name')}</label>
          <input id="staff-add-name" class="input" maxLength={200} value={form.name}
            onInput={(e) => set({ name: e.currentTarget.value })} data-testid="staff-add-name" />
        </div>
        <div class="field">
          <label for="staff-add-email">{t('staff.email')}</label>
          <input id="staff-add-email" class="input" type="email" maxLength={320} value={form.email}
            onInput={(e) => set({ email: e.currentTarget.value })} />
        </div>
        <div class="field">
          <label for="staff-add-password">{t('staff.password')}</label>
          <input id="staff-add-password" class="input" type="password" required minLength={MIN_PASSWORD} autocomplete="new-password"
            aria-describedby="staff-add-password-hint" value={form.password}
            onInput={(e) => set({ password: e.currentTarget.value })} data-testid="staff-add-password" />
          <small id="staff-add-password-hint" class="hint">{t('staff.password_hint', { n: MIN_PASSWORD })}</small>
        </div>
        <div class="field">
          <label for="staff-add-role">{t('staff.role')}</label>
          <RoleSelect id="staff-add-role" value={form.role} onChange={(role) => set({ role })} />
        </div>
        <div class="field">
          <label for="staff-add-max">{t('staff.max_chats')}</label>
          <MaxChatsSelect id="staff-add-max" value={form.max_chats} onChange={(max_chats) => set({ max_chats })} testid="staff-add-max" />
        </div>
      </div>
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={action.busy} data-testid="staff-add-submit">
          {t('staff.add_submit')}
        </button>
      </div>
    </form>
  );
}

interface EditorProps {
  staff: StaffOut;
  /** the admin editing their own row: no disabling, no demotion */
  self: boolean;
  action: Action;
  onSaved: (s: StaffOut) => void;
  onClose: () => void;
}

/** Edit one staff member; a separate small form resets the password. */
export function StaffEditor({ staff, self, action, onSaved, onClose }: EditorProps) {
  const [form, setForm] = useState({ name: staff.name, email: staff.email ?? '', role: staff.role, max_chats: staff.max_chats, active: staff.active });
  const [password, setPassword] = useState('');
  const set = (patch: Partial<typeof form>) => setForm({ ...form, ...patch });

  const save = async (ev: Event) => {
    ev.preventDefault();
    const body: StaffPatchIn = { name: form.name.trim(), email: form.email.trim() || null, max_chats: form.max_chats };
    if (!self) Object.assign(body, { role: form.role, active: form.active });
    const saved = await action.run(() => patchStaff(staff.id, body), t('staff.saved', { name: form.name }));
    if (saved) onSaved(saved);
  };

  const reset = async (ev: Event) => {
    ev.preventDefault();
    const saved = await action.run(() => patchStaff(staff.id, { password }), t('staff.password_reset_done', { name: staff.name }));
    if (saved) {
      setPassword('');
      onSaved(saved);
    }
  };

  const p = `staff-edit-${staff.id}`;
  return (
    <div class="admin-card admin-card--edit" data-testid="staff-editor">
      <form onSubmit={save} aria-labelledby={`${p}-title`}>
        <h3 id={`${p}-title`} class="admin-card__title">
          {t('staff.edit_who', { name: staff.name })} <span class="admin-muted">({staff.login_id})</span>
        </h3>
        <div class="form-grid">
          <div class="field">
            <label for={`${p}-name`}>{t('staff.name')}</label>
            <input id={`${p}-name`} class="input" required maxLength={200} value={form.name} onInput={(e) => set({ name: e.currentTarget.value })} />
          </div>
          <div class="field">
            <label for={`${p}-email`}>{t('staff.email')}</label>
            <input id={`${p}-email`} class="input" type="email" maxLength={320} value={form.email} onInput={(e) => set({ email: e.currentTarget.value })} />
          </div>
          <div class="field">
            <label for={`${p}-role`}>{t('staff.role')}</label>
            <RoleSelect id={`${p}-role`} value={form.role} disabled={self} onChange={(role) => set({ role })} />
          </div>
          <div class="field">
            <label for={`${p}-max`}>{t('staff.max_chats')}</label>
            <MaxChatsSelect id={`${p}-max`} value={form.max_chats} onChange={(max_chats) => set({ max_chats })} testid="staff-edit-max" />
          </div>
        </div>
        <label class="check">
          <input type="checkbox" checked={form.active} disabled={self} onChange={(e) => set({ active: e.currentTarget.checked })} />
          <span>{t('staff.active_label')}</span>
        </label>
        <p class="hint">{self ? t('staff.self_hint') : t('staff.disable_hint')}</p>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={action.busy} data-testid="staff-edit-save">
            {t('act.save')}
          </button>
          <button type="button" class="btn btn-ghost" onClick={onClose}>
            {t('act.close')}
          </button>
        </div>
      </form>
      <form class="admin-subform" onSubmit={reset} aria-labelledby={`${p}-pw-title`}>
        <h4 id={`${p}-pw-title`} class="admin-card__subtitle">
          {t('staff.password_reset')}
        </h4>
        <div class="inline-form">
          <div class="field">
            <label for={`${p}-pw`}>{t('staff.new_password')}</label>
            <input id={`${p}-pw`} class="input" type="password" required minLength={MIN_PASSWORD} autocomplete="new-password"
              value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
          </div>
          <button type="submit" class="btn btn-ghost" disabled={action.busy || password.length < MIN_PASSWORD}>
            {t('staff.password_reset_submit')}
          </button>
        </div>
        <p class="hint">{self ? t('staff.password_self_hint') : t('staff.password_reset_hint')}</p>
      </form>
    </div>
  );
}
