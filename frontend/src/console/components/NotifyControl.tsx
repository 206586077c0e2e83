import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../shared/i18n';
import { askNotifications, notifyState, setDesktopChoice, unlockAudio, type NotifyState } from '../alerts';
import { Icon } from './Icon';

/**
 * S1.4: desktop notifications, asked for only from this control, after a sentence that
 * says what they are for (never on page load: a bare browser prompt gets refused).
 */
export function NotifyControl() {
  const [state, setState] = useState<NotifyState>(notifyState());
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const away = (ev: Event) => {
      if (!root.current?.contains(ev.target as Node)) setOpen(false);
    };
    const esc = (ev: KeyboardEvent) => ev.key === 'Escape' && setOpen(false);
    document.addEventListener('pointerdown', away);
    document.addEventListener('keydown', esc);
    return () => {
      document.removeEventListener('pointerdown', away);
      document.removeEventListener('keydown', esc);
    };
  }, [open]);
  if (state === 'unsupported') return null;

  const allow = async () => {
    unlockAudio();
    setState(await askNotifications());
  };
  const toggle = (on: boolean) => {
    setDesktopChoice(on);
    setState(notifyState());
  };
  return (
    <div class="notify-control" ref={root}>
      <button type="button" class="bar-btn" aria-expanded={open} aria-pressed={state === 'on'} data-testid="notify-toggle" data-state={state} onClick={() => setOpen(!open)}>
        <Icon name={state === 'on' || state === 'default' ? 'bell' : 'bellOff'} /> {t(`console.desktop.${state}`)}
      </button>
      {open && (
        <div class="notify-control__pop float-card" role="dialog" aria-label={t('console.desktop.title')} data-testid="notify-explain">
          <p class="notify-control__title">{t('console.desktop.title')}</p>
          <p>{t('console.desktop.explain')}</p>
          {state === 'default' && (
            <>
              <p class="notify-control__hint">{t('console.desktop.prompt_hint')}</p>
              <button type="button" class="btn btn-primary btn-sm" data-testid="notify-allow" onClick={() => void allow()}>{t('console.desktop.allow')}</button>
            </>
          )}
          {state === 'denied' && <p class="notify-control__hint" role="status">{t('console.desktop.denied_hint')}</p>}
          {state === 'on' && <button type="button" class="btn btn-ghost btn-sm" data-testid="notify-off" onClick={() => toggle(false)}>{t('console.desktop.turn_off')}</button>}
          {state === 'off' && <button type="button" class="btn btn-primary btn-sm" data-testid="notify-on" onClick={() => toggle(true)}>{t('console.desktop.turn_on')}</button>}
        </div>
      )}
    </div>
  );
}
