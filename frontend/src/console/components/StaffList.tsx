import { Tag } from '../../shared/components/Tag';
import { t } from '../../shared/i18n';
import { model } from '../store';

/** S5.3: who is logged in now, with each member's load. */
export function StaffList() {
  const { online, me } = model.value;
  if (online.length === 0) return <p class="panel__empty">{t('console.staff_none')}</p>;
  return (
    <ul class="staff-list" data-testid="staff-table">
      {online.map((s) => {
        const full = s.active_chats >= s.max_chats;
        const ratio = s.max_chats ? Math.min(1, s.active_chats / s.max_chats) : 1;
        return (
          <li key={s.id} class="staff-list__item">
            <span class="staff-list__name">
              {s.name}
              {s.id === me?.id && <Tag>{t('console.you')}</Tag>}
            </span>
            <span class={`staff-list__state${full ? ' is-full' : ''}`}>
              {full ? t('console.staff_full') : t(`console.status.${s.status}`)}
            </span>
            <span class="load-bar" aria-hidden="true">
              <span style={{ width: `${ratio * 100}%` }} />
            </span>
            <span class="staff-list__load">{t('console.load', { n: s.active_chats, max: s.max_chats })}</span>
          </li>
        );
      })}
    </ul>
  );
}
