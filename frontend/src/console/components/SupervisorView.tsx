import { useState } from 'preact/hooks';
import type { WsSupervisedConversation } from '../../shared/api-types';
import { Tag } from '../../shared/components/Tag';
import { useNow } from '../../shared/hooks';
import { t } from '../../shared/i18n';
import { guestName, minutesSince } from '../format';
import { model } from '../store';
import { intervene, overview, reassignTargets, watch, watched, type Watched } from '../supervisor';
import { Timeline } from './Timeline';

const EXCERPT = 40;

/** Issue 14 item 3: the store's open chats live; one of them followed read-only. */
export function SupervisorView() {
  const list = overview.value;
  const w = watched.value;
  const now = useNow(15_000);
  const waiting = list?.filter((c) => c.status === 'waiting').length ?? 0;
  return (
    <main class="supervisor" data-testid="supervisor">
      <section class="panel supervisor__list" aria-labelledby="sv-heading">
        <header class="panel__header">
          <h2 id="sv-heading" class="panel__title">{t('console.sv.title')}</h2>
          {list && <span class="supervisor__counts" data-testid="sv-counts">{t('console.sv.counts', { waiting, active: list.length - waiting })}</span>}
        </header>
        {list === null ? (
          <p class="panel__empty">{t('console.sv.loading')}</p>
        ) : list.length === 0 ? (
          <p class="panel__empty" data-testid="sv-empty">{t('console.sv.empty')}</p>
        ) : (
          <ul class="sv-list" aria-label={t('console.sv.list')}>
            {list.map((c) => (
              <li key={c.conversation_id}>
                <Row chat={c} now={now} selected={w?.id === c.conversation_id} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="panel supervisor__watch" aria-labelledby="sv-watch-heading">
        {w ? <WatchPane w={w} entry={list?.find((c) => c.conversation_id === w.id) ?? null} /> : <p class="panel__empty" id="sv-watch-heading">{t('console.sv.pick')}</p>}
      </section>
    </main>
  );
}

function excerpt(c: WsSupervisedConversation): string {
  const last = c.last_message;
  if (!last) return t('console.sv.no_message');
  const text = last.kind === 'stamp' ? t('console.sv.stamp') : last.text;
  const chars = [...text];
  return `${t(`console.sv.author.${last.author}`)}: ${chars.slice(0, EXCERPT).join('')}${chars.length > EXCERPT ? '…' : ''}`;
}

function Row({ chat: c, now, selected }: { chat: WsSupervisedConversation; now: number; selected: boolean }) {
  return (
    <button type="button" class="sv-row" aria-pressed={selected} data-testid="sv-row" data-conversation={c.conversation_id} data-status={c.status} onClick={() => watch(c.conversation_id)}>
      <Tag tone={c.status}>{t(`console.sv.status.${c.status}`)}</Tag>
      <span class="sv-row__name">{guestName(c.nickname)}</span>
      <span class="sv-row__staff" data-testid="sv-staff">{c.staff ? c.staff.name : t('console.sv.no_staff')}</span>
      <span class={`sv-row__wait${c.waiting_since ? ' is-waiting' : ''}`} data-testid="sv-wait">
        {c.waiting_since ? t('console.waiting_minutes', { n: minutesSince(c.waiting_since, now) }) : t('console.sv.answered')}
      </span>
      <span class="sv-row__last" data-testid="sv-last">{excerpt(c)}</span>
      {c.unread > 0 && (
        <span class="count-badge sv-row__unread" data-testid="sv-unread" aria-label={t('console.sv.unread', { n: c.unread })}>
          {c.unread}
        </span>
      )}
    </button>
  );
}

function WatchPane({ w, entry }: { w: Watched; entry: WsSupervisedConversation | null }) {
  const [confirming, setConfirming] = useState(false);
  const [target, setTarget] = useState('');
  const holder = entry?.staff?.id ?? null;
  const mine = holder !== null && holder === model.value.me?.id;
  const targets = reassignTargets(model.value, holder);
  const name = guestName(entry?.nickname ?? w.conversation?.guest.nickname);
  const chosen = targets.some((s) => s.id === target) ? target : targets[0]?.id ?? '';
  return (
    <div class="sv-watch" data-testid="sv-watch" data-conversation={w.id}>
      <div class="chat-pane__head">
        <h2 id="sv-watch-heading" class="chat-pane__title">{mine ? t('console.chat_with', { name }) : t('console.sv.watch_title', { name })}</h2>
        {entry ? (
          <span class="sv-watch__staff" data-testid="sv-watch-staff">
            {entry.staff ? t('console.sv.staff_line', { name: entry.staff.name }) : t('console.sv.status.waiting')}
          </span>
        ) : (
          w.conversation && <Tag tone="ended" testId="sv-watch-ended">{t('console.sv.ended')}</Tag>
        )}
      </div>
      <Timeline messages={w.messages} guestReadSeq={w.conversation?.guest_read_seq ?? 0} />
      {entry && (
        <div class="operations sv-actions" role="group" aria-label={t('console.sv.actions')}>
          <button type="button" class="op-btn" data-testid="sv-take-over" disabled={mine} onClick={() => intervene('take_over', w.id)}>
            {t('console.sv.take_over')}
          </button>
          <span class="sv-reassign">
            <label class="visually-hidden" for="sv-target">{t('console.sv.reassign_to')}</label>
            <select id="sv-target" data-testid="sv-target" disabled={targets.length === 0} value={chosen} onChange={(e) => setTarget(e.currentTarget.value)}>
              {targets.length === 0 && <option value="">{t('console.sv.reassign_none')}</option>}
              {targets.map((s) => (
                <option key={s.id} value={s.id}>{`${s.name}（${s.active_chats}/${s.max_chats}）`}</option>
              ))}
            </select>
            <button type="button" class="op-btn" data-testid="sv-reassign" disabled={!chosen} onClick={() => intervene('reassign', w.id, chosen)}>
              {t('console.sv.reassign')}
            </button>
          </span>
          <button type="button" class="op-btn" data-testid="sv-release" disabled={entry.status !== 'active'} onClick={() => intervene('release', w.id)}>
            {t('console.sv.release')}
          </button>
          {confirming ? (
            <span class="sv-confirm" role="alertdialog" aria-label={t('console.sv.end')}>
              <span>{t('console.sv.end_confirm')}</span>
              <button
                type="button"
                class="op-btn op-btn--end"
                data-testid="sv-end-confirm"
                onClick={() => {
                  setConfirming(false);
                  intervene('end', w.id);
                }}
              >
                {t('console.sv.end')}
              </button>
              <button type="button" class="op-btn" onClick={() => setConfirming(false)}>{t('console.sv.cancel')}</button>
            </span>
          ) : (
            <button type="button" class="op-btn op-btn--end" data-testid="sv-end" onClick={() => setConfirming(true)}>
              {t('console.sv.end')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
