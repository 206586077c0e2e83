import { useNow } from '../../shared/hooks';
import { t } from '../../shared/i18n';
import { minutesSince } from '../format';
import { claim, model } from '../store';

/** S6: guests waiting now; clicking a name takes the chat. */
export function WaitingList() {
  const queue = model.value.queue;
  const now = useNow(30_000);
  return (
    <section class="panel waiting" aria-labelledby="waiting-heading" data-testid="waiting-list">
      <header class="panel__header">
        <h2 id="waiting-heading" class="panel__title">
          {t('console.waiting')} <span class="count-badge" data-testid="waiting-count">{queue.length}</span>
        </h2>
      </header>
      {queue.length === 0 ? (
        <p class="panel__empty">{t('console.waiting_empty')}</p>
      ) : (
        <ul class="waiting__list">
          {queue.map((q, i) => (
            <li key={q.conversation_id}>
              <button type="button" class="waiting__item" data-testid="waiting-guest" data-conversation={q.conversation_id} onClick={() => claim(q.conversation_id)}>
                <span class="waiting__pos">{i + 1}</span>
                <span class="waiting__name">{q.nickname || t('console.guest_unnamed')}</span>
                <span class="waiting__since">{t('console.waiting_minutes', { n: minutesSince(q.since, now) })}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
