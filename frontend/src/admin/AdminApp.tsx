import { AppBar } from '../shared/components/AppBar';
import { LoginGate } from '../shared/components/LoginGate';
import { t } from '../shared/i18n';
import type { Staff } from '../shared/session';
import './admin.css';

/** The admin menu (role admin only): login gate, then the settings screens. */
export function AdminApp() {
  return (
    <LoginGate subtitle={t('admin.title')} requireRole="admin">
      {(staff) => <AdminShell staff={staff} />}
    </LoginGate>
  );
}

function AdminShell({ staff }: { staff: Staff }) {
  return (
    <div class="admin">
      <AppBar staff={staff} title={t('admin.title')} />
      <main class="admin__main">
        <h1 class="admin__heading" data-testid="admin-title">
          {t('admin.title')}
        </h1>
        <p class="admin__muted">{t('admin.placeholder')}</p>
        <p>
          <a href="/console/">{t('admin.to_console')}</a>
        </p>
      </main>
    </div>
  );
}
