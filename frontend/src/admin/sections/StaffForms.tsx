import { useState } from 'preact/hooks';
import type { StaffOut, StaffPatchIn, StaffRole } from '../../shared/api-types';
import { Field, hintId, TitledForm } from '../../shared/components/forms';
import { t } from '../../shared/i18n';
import { createStaff, patchStaff, resetTwoFactor } from '../api';
import type { Action } from '../lib/useAction';

const LIMITS = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const MIN_PASSWORD = 12;

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

function RoleSelect({ id, value, onChange, disabled }: { id: string; value: StaffRole; onChange: (r: StaffRole) => void; disabled?: boolean }) {
  return (
    <select id={id} class="input" value={value} disabled={disabled} onChange={(e) => onChange(e.currentTarget.value as StaffRole)}>
      <option value="agent">{t('role.agent')}</option>
      <option value="admin">{t('role.admin')}</option>
    </select>
  );
}

const EMPTY: { login_id: string; name: string; email: string; password: string; role: StaffRole; max_chats: number } = {
  login_id: '', name: '', email: '', password: '', role: 'agent', max_chats: 3,
};

/** Add a staff member: login ID, name, e-mail, first password, role, limit. */
export function StaffAddForm({ action, onAdded }: { action: Action; onAdded: (s: StaffOut) => void }) {
  const [form, setForm] = useState(EMPTY);
  const set = (patch: Partial<typeof EMPTY>) => setForm({ ...form, ...patch });

  const onSubmit = async () => {
    const body = { ...form, login_id: form.login_id.trim(), name: form.name.trim() || null, email: form.email.trim() || null };
    const created = await action.run(() => createStaff(body), t('staff.added', { name: body.name ?? body.login_id }));
    if (created) {
      onAdded(created);
      setForm(EMPTY);
    }
  };

  return (
    <TitledForm class="admin-card" onSubmit={onSubmit} title={t('staff.add')} titleId="staff-add-heading" titleClass="admin-card__title" testId="staff-add">
      <div class="form-grid">
        <Field id="staff-add-login" label={t('staff.login_id')}>
          <input id="staff-add-login" class="input" required maxLength={100} autocomplete="off" value={form.login_id}
            onInput={(e) => set({ login_id: e.currentTarget.value })} data-testid="staff-add-login" />
        </Field>
        <Field id="staff-add-name" label={t('staff.name')}>
          <input id="staff-add-name" class="input" maxLength={200} value={form.name}
            onInput={(e) => set({ name: e.currentTarget.value })} data-testid="staff-add-name" />
        </Field>
        <Field id="staff-add-email" label={t('staff.email')}>
          <input id="staff-add-email" class="input" type="email" maxLength={320} value={form.email}
            onInput={(e) => set({ email: e.currentTarget.value })} />
        </Field>
        <Field id="staff-add-password" label={t('staff.password')} hint={t('staff.password_hint', { n: MIN_PASSWORD })}>
          <input id="staff-add-password" class="input" type="password" required minLength={MIN_PASSWORD} autocomplete="new-password"
            aria-describedby={hintId('staff-add-password')} value={form.password}
            onInput={(e) => set({ password: e.currentTarget.value })} data-testid="staff-add-password" />
        </Field>
        <Field id="staff-add-role" label={t('staff.role')}>
          <RoleSelect id="staff-add-role" value={form.role} onChange={(role) => set({ role })} />
        </Field>
        <Field id="staff-add-max" label={t('staff.max_chats')}>
          <MaxChatsSelect id="staff-add-max" value={form.max_chats} onChange={(max_chats) => set({ max_chats })} testid="staff-add-max" />
        </Field>
      </div>
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={action.busy} data-testid="staff-add-submit">
          {t('staff.add_submit')}
        </button>
      </div>
    </TitledForm>
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

  const save = async () => {
    const body: StaffPatchIn = { name: form.name.trim(), email: form.email.trim() || null, max_chats: form.max_chats };
    if (!self) Object.assign(body, { role: form.role, active: form.active });
    const saved = await action.run(() => patchStaff(staff.id, body), t('staff.saved', { name: form.name }));
    if (saved) onSaved(saved);
  };

  const reset = async () => {
    const saved = await action.run(() => patchStaff(staff.id, { password }), t('staff.password_reset_done', { name: staff.name }));
    if (saved) {
      setPassword('');
      onSaved(saved);
    }
  };

  const resetSecondFactor = async () => {
    const done = await action.run(async () => {
      await resetTwoFactor(staff.id);
      return true;
    }, t('staff.totp_reset_done', { name: staff.name }));
    if (done) onSaved({ ...staff, two_factor: false });
  };

  const p = `staff-edit-${staff.id}`;
  return (
    <div class="admin-card admin-card--edit" data-testid="staff-editor">
      <TitledForm onSubmit={save} titleId={`${p}-title`} titleClass="admin-card__title"
        title={<>{t('staff.edit_who', { name: staff.name })} <span class="admin-muted">({staff.login_id})</span></>}>
        <div class="form-grid">
          <Field id={`${p}-name`} label={t('staff.name')}>
            <input id={`${p}-name`} class="input" required maxLength={200} value={form.name} onInput={(e) => set({ name: e.currentTarget.value })} />
          </Field>
          <Field id={`${p}-email`} label={t('staff.email')}>
            <input id={`${p}-email`} class="input" type="email" maxLength={320} value={form.email} onInput={(e) => set({ email: e.currentTarget.value })} />
          </Field>
          <Field id={`${p}-role`} label={t('staff.role')}>
            <RoleSelect id={`${p}-role`} value={form.role} disabled={self} onChange={(role) => set({ role })} />
          </Field>
          <Field id={`${p}-max`} label={t('staff.max_chats')}>
            <MaxChatsSelect id={`${p}-max`} value={form.max_chats} onChange={(max_chats) => set({ max_chats })} testid="staff-edit-max" />
          </Field>
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
      </TitledForm>
      <TitledForm class="admin-subform" onSubmit={reset} level={4} title={t('staff.password_reset')} titleId={`${p}-pw-title`}
        titleClass="admin-card__subtitle">
        <div class="inline-form">
          <Field id={`${p}-pw`} label={t('staff.new_password')}>
            <input id={`${p}-pw`} class="input" type="password" required minLength={MIN_PASSWORD} autocomplete="new-password"
              value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
          </Field>
          <button type="submit" class="btn btn-ghost" disabled={action.busy || password.length < MIN_PASSWORD}>
            {t('staff.password_reset_submit')}
          </button>
        </div>
        <p class="hint">{self ? t('staff.password_self_hint') : t('staff.password_reset_hint')}</p>
      </TitledForm>
      {staff.two_factor && (
        <div class="admin-subform">
          <h4 class="admin-card__subtitle">{t('staff.totp_reset')}</h4>
          <p class="hint">{t('staff.totp_reset_hint')}</p>
          <div class="form-actions">
            <button type="button" class="btn btn-ghost" disabled={action.busy} onClick={() => void resetSecondFactor()} data-testid="staff-totp-reset">
              {t('staff.totp_reset_submit')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
