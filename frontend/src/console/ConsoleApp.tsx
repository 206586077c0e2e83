import { AppBar } from '../shared/components/AppBar';
import { LoginGate } from '../shared/components/LoginGate';
import { t } from '../shared/i18n';
import type { Staff } from '../shared/session';
import './console.css';

/** The staff console: login gate, then the working screen. */
export function ConsoleApp() {
  return <LoginGate subtitle={t('console.title')}>{(staff) => <ConsoleShell staff={staff} />}</LoginGate>;
}

function ConsoleShell({ staff }: { staff: Staff }) {
  return (
    <div class="console">
      <AppBar staff={staff} title={t('console.title')} />
      <main class="console__main">
        <section class="console__panel">
          <h1 class="console__heading">{t('console.welcome', { name: staff.name || staff.login_id })}</h1>
          <p class="console__muted">{t('console.placeholder')}</p>
        </section>
      </main>
    </div>
  );
}
