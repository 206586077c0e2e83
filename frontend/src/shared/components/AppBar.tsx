import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { logout, type Staff } from '../session';
import { AccountDialog } from './AccountDialog';
import { LangSwitch } from './LangSwitch';
import './appbar.css';

interface Props {
  staff: Staff;
  /** the surface's name, shown after the product name */
  title: string;
  /** surface-specific items (own chat status, sound switch, …) */
  children?: ComponentChildren;
}

/** Top bar of the console and the admin menu: store, login ID, language, log out. */
export function AppBar({ staff, title, children }: Props) {
  const [leaving, setLeaving] = useState(false);
  const [account, setAccount] = useState(false);
  const onLogout = async () => {
    setLeaving(true);
    try {
      await logout();
    } catch {
      // The local session is already gone; the server one expires by itself.
    } finally {
      setLeaving(false);
    }
  };

  return (
    <header class="app-bar" data-testid="status-bar">
      <div class="app-bar__title">
        <span class="app-bar__brand">{t('app.name')}</span>
        <span class="app-bar__surface">{title}</span>
      </div>
      <dl class="app-bar__facts">
        {staff.store && (
          <div class="app-bar__fact">
            <dt>{t('status.store')}</dt>
            <dd data-testid="status-store">{staff.store.name}</dd>
          </div>
        )}
        <div class="app-bar__fact">
          <dt>{t('status.login_id')}</dt>
          <dd data-testid="status-login-id">{staff.login_id}</dd>
        </div>
      </dl>
      <div class="app-bar__actions">
        {children}
        <button type="button" class="btn btn-ghost app-bar__logout" data-testid="account-open" aria-haspopup="dialog" onClick={() => setAccount(true)}>
          {t('account.open')}
        </button>
        <LangSwitch tone="dark" />
        <button type="button" class="btn btn-ghost app-bar__logout" data-testid="logout" disabled={leaving} onClick={() => void onLogout()}>
          {t('logout')}
        </button>
      </div>
      {account && <AccountDialog onClose={() => setAccount(false)} />}
    </header>
  );
}
