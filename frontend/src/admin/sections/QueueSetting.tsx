import type { QueueSettings } from '../../shared/api-types';
import { t } from '../../shared/i18n';
import { getQueue, putQueue } from '../api';
import { Feedback } from '../components/Feedback';
import { LoadState } from '../components/LoadState';
import { useAction } from '../lib/useAction';
import { useLoad } from '../lib/useLoad';

/** Issue 14: while every staff member is busy, may a guest join the queue (on by default)? */
export function QueueSetting() {
  const loaded = useLoad(getQueue);
  return (
    <article class="admin-card queue-card" aria-labelledby="queue-title" data-testid="queue-card">
      <h3 id="queue-title" class="admin-card__title">
        {t('queue.title')}
      </h3>
      <LoadState loaded={loaded}>{(settings) => <QueueSwitch settings={settings} onChange={loaded.set} />}</LoadState>
    </article>
  );
}

function QueueSwitch({ settings, onChange }: { settings: QueueSettings; onChange: (s: QueueSettings) => void }) {
  const action = useAction();
  const toggle = async (on: boolean) => {
    const saved = await action.run(() => putQueue(on), t(on ? 'queue.saved_on' : 'queue.saved_off'));
    if (saved) onChange(saved);
  };
  return (
    <>
      <label class="check">
        <input type="checkbox" checked={settings.queue_when_busy} disabled={action.busy} aria-describedby="queue-hint"
          onChange={(e) => void toggle(e.currentTarget.checked)} data-testid="queue-when-busy" />
        {t('queue.when_busy')}
      </label>
      <p id="queue-hint" class="admin-muted">
        {settings.queue_when_busy ? t('queue.hint_on') : t('queue.hint_off')}
      </p>
      <Feedback action={action} testid="queue" />
    </>
  );
}
