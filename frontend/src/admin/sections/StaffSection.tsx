import { useState } from 'preact/hooks';
import type { StaffOut } from '../../shared/api-types';
import { t } from '../../shared/i18n';
import type { Staff } from '../../shared/session';
import { listStaff } from '../api';
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
    <div class="table-wrap">
      <table class="admin-table" data-testid="staff-table">
        <caption class="visually-hidden">{t('staff.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('staff.name')}</th>
            <th scope="col">{t('staff.login_id')}</th>
            <th scope="col">{t('staff.email')}</th>
            <th scope="col">{t('staff.role')}</th>
            <th scope="col" class="num">
              {t('staff.max_chats')}
            </th>
            <th scope="col">{t('staff.state')}</th>
            <th scope="col">
              <span class="visually-hidden">{t('act.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {staff.map((s) => (
            <tr key={s.id} data-testid={`staff-row-${s.login_id}`} class={s.active ? '' : 'is-disabled'}>
              <th scope="row">
                {s.name}
                {s.id === me.id && <span class="tag">{t('staff.you')}</span>}
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
        </tbody>
      </table>
    </div>
  );
}
