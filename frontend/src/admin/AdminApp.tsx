// The menu's own base styles first; each section's stylesheet comes with its component.
import './admin.css';
import { useEffect, useState } from 'preact/hooks';
import { AppBar } from '../shared/components/AppBar';
import { LoginGate } from '../shared/components/LoginGate';
import { t } from '../shared/i18n';
import type { Staff } from '../shared/session';
import { Tabs } from './components/Tabs';
import { TAB_IDS, tabFromHash, type TabId } from './lib/tabs';
import { ButtonsSection } from './sections/ButtonsSection';
import { CannedSection } from './sections/CannedSection';
import { FieldsSection } from './sections/FieldsSection';
import { ScreenSection } from './sections/ScreenSection';
import { StaffSection } from './sections/StaffSection';
import { StampsSection } from './sections/StampsSection';
import { StatsSection } from './sections/StatsSection';

/** The admin menu (role admin only): login gate, then the settings screens. */
export function AdminApp() {
  return (
    <LoginGate subtitle={t('admin.title')} requireRole="admin">
      {(staff) => <AdminShell staff={staff} />}
    </LoginGate>
  );
}

function AdminShell({ staff }: { staff: Staff }) {
  const [tab, setTab] = useState<TabId>(() => tabFromHash(globalThis.location?.hash ?? ''));
  useEffect(() => {
    const follow = () => setTab(tabFromHash(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  const select = (id: string) => {
    const next = tabFromHash(id);
    setTab(next);
    history.replaceState(null, '', `#${next}`);
  };

  return (
    <div class="admin">
      <AppBar staff={staff} title={t('admin.title')} />
      <main class="admin__main">
        <p class="admin__console-link">
          <a href="/console/">{t('admin.to_console')}</a>
        </p>
        <h1 class="visually-hidden" data-testid="admin-title">
          {t('admin.title')}
        </h1>
        <Tabs tabs={TAB_IDS.map((id) => ({ id, label: t(`tab.${id}`) }))} current={tab} onSelect={select} label={t('admin.sections')}>
          <Panel tab={tab} staff={staff} />
        </Tabs>
      </main>
    </div>
  );
}

function Panel({ tab, staff }: { tab: TabId; staff: Staff }) {
  switch (tab) {
    case 'staff':
      return <StaffSection me={staff} />;
    case 'buttons':
      return <ButtonsSection />;
    case 'screen':
      return <ScreenSection />;
    case 'fields':
      return <FieldsSection />;
    case 'stats':
      return <StatsSection />;
    case 'canned':
      return (
        <section class="admin-section" aria-labelledby="canned-tab-heading">
          <h2 id="canned-tab-heading" class="admin-section__title">
            {t('tab.canned')}
          </h2>
          <CannedSection />
          <StampsSection />
        </section>
      );
  }
}
