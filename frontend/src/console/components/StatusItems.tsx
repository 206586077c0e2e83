import { t } from '../../shared/i18n';
import { Icon } from './Icon';
import { NotifyControl } from './NotifyControl';
import { unlockAudio } from '../alerts';
import { ownStatus } from '../model';
import { connection, model, replyingOffline, soundOn, toggleSound } from '../store';

/** S1.3 own status, S1.4 sound switch and the connection state, for the status bar. */
export function StatusItems() {
  const status = ownStatus(model.value, replyingOffline.value);
  const conn = connection.value;
  return (
    <>
      <span class={`status-chip status-chip--${status}`} data-testid="own-status" data-status={status}>
        {t(`console.status.${status}`)}
      </span>
      <button
        type="button"
        class="bar-btn"
        aria-pressed={soundOn.value}
        data-testid="sound-toggle"
        title={t('console.sound_hint')}
        onClick={() => {
          unlockAudio();
          void toggleSound();
        }}
      >
        <Icon name={soundOn.value ? 'bell' : 'bellOff'} /> {soundOn.value ? t('console.sound_on') : t('console.sound_off')}
      </button>
      <NotifyControl />
      <span class={`conn conn--${conn}`} role="status" data-testid="connection" data-state={conn}>
        <span class="conn__dot" aria-hidden="true" />
        {t(`console.conn.${conn}`)}
      </span>
    </>
  );
}
