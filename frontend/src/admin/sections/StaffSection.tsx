import { useState } from 'preact/hooks';
import type { StaffOut } from '../../shared/api-types';
import { Tag } from '../../shared/components/Tag';
import { t } from '../../shared/i18n';
import type { Staff } from '../../shared/session';
import { getTwoFactor, listStaff, requireTwoFactor } from '../api';
import { AdminTable } from '../components/AdminTable';
import { Feedback } from '../components/Feedback';
import { LoadState } from '../components/LoadState';
import { useAction } from '../lib/useAction';
import { useLoad } from '../lib/useLoad';
import { StaffAddForm, StaffEditor } from './StaffForms';

/** A1: the store's staff — list, add, edit, limit, disable, reset password. */
export function StaffSection({ me }: { me: Staff }) {
  const loaded = useLoad(listStaff);
  const action = useAction();
  const [editing, setEditing] = useState<string | null>(null);

  const replace = (list: StaffOut[], changed: StaffOut) => {
    const found = list.some((s) => s.id === changed.id);
    loaded.set({ staff: found ? list.map((s) => (s.id === changed.id ? changed : s)) : [...list, changed] });
  };

  return (
    <section class="admin-section" aria-labelledby="staff-heading">
      <h2 id="staff-heading" class="admin-section__title">
        {t('tab.staff')}
      </h2>
      <p class="admin-muted">{t('staff.intro')}</p>
      <LoadState loaded={loaded}>
        {({ staff }) => (
          <>
            <StaffTable staff={staff} me={me} editing={editing} onEdit={(id) => {
              action.clear();
              setEditing(id);
            }} />
            {staff
              .filter((s) => s.id === editing)
              .map((s) => (
                <StaffEditor
                  key={s.id}
                  staff={s}
                  self={s.id === me.id}
                  action={action}
                  onSaved={(changed) => replace(staff, changed)}
                  onClose={() => setEditing(null)}
                />
              ))}
            <Feedback action={action} testid="staff" />
            <StaffAddForm action={action} onAdded={(created) => replace(staff, created)} />
            <LoginSecurity me={me} />
          </>
        )}
      </LoadState>
    </section>
  );
}

interface TableProps {
  staff: StaffOut[];
  me: Staff;
  editing: string | null;
  onEdit: (id: string) => void;
}

function StaffTable({ staff, me, editing, onEdit }: TableProps) {
  return (
    <AdminTable caption={t('staff.caption')} testid="staff-table" actions
      columns={[t('staff.name'), t('staff.login_id'), t('staff.email'), t('staff.role'), { label: t('staff.max_chats'), num: true }, t('staff.state'), t('staff.two_factor')]}>
          {staff.map((s) => (
            <tr key={s.id} data-testid={`staff-row-${s.login_id}`} class={s.active ? '' : 'is-disabled'}>
              <th scope="row">
                {s.name}
                {s.id === me.id && <Tag>{t('staff.you')}</Tag>}
              </th>
              <td>{s.login_id}</td>
              <td>{s.email || '—'}</td>
              <td>{t(`role.${s.role}`)}</td>
              <td class="num" data-testid="staff-max">
                {s.max_chats}
              </td>
              <td>
                <span class={`state state--${s.active ? 'on' : 'off'}`}>{t(s.active ? 'staff.active' : 'staff.disabled')}</span>
              </td>
              <td data-testid="staff-two-factor">{s.two_factor ? t('staff.two_factor_on') : '—'}</td>
              <td>
                <button
                  type="button"
                  class="btn btn-ghost btn-small"
                  aria-expanded={editing === s.id}
                  aria-label={t('staff.edit_who', { name: s.name })}
                  onClick={() => onEdit(s.id)}
                >
                  {t('act.edit')}
                </button>
              </td>
            </tr>
          ))}
    </AdminTable>
  );
}

/** The store's login URL for its staff, and whether every member needs a second factor. */
function LoginSecurity({ me }: { me: Staff }) {
  const loaded = useLoad(getTwoFactor);
  const action = useAction();
  const url = me.store?.widget_key ? `${location.origin}/console/?store=${encodeURIComponent(me.store.widget_key)}` : '';
  const toggle = async (required: boolean) => {
    const saved = await action.run(() => requireTwoFactor(required), t(required ? 'security.required_on' : 'security.required_off'));
    if (saved) loaded.set(saved);
  };
  return (
    <section class="admin-card" aria-labelledby="security-heading" data-testid="login-security">
      <h3 id="security-heading" class="admin-card__title">
        {t('security.title')}
      </h3>
      {url && (
        <div class="field">
          <label for="security-url">{t('security.login_url')}</label>
          <input id="security-url" class="input" readOnly value={url} onFocus={(e) => e.currentTarget.select()} data-testid="security-login-url" />
          <small class="hint">{t('security.login_url_hint')}</small>
        </div>
      )}
      <LoadState loaded={loaded}>
        {(state) => (
          <label class="check">
            <input type="checkbox" checked={state.required} disabled={action.busy} onChange={(e) => void toggle(e.currentTarget.checked)}
              data-testid="security-require-totp" />
            <span>{t('security.require_totp')}</span>
          </label>
        )}
      </LoadState>
      <p class="hint">{t('security.require_totp_hint')}</p>
      <Feedback action={action} testid="security" />
    </section>
  );
}
