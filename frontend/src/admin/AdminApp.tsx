// The menu's own base styles first; each section's stylesheet comes with its component.
import './admin.css';
import { useEffect, useState } from 'preact/hooks';
import { AppBar } from '../shared/components/AppBar';
import { LoginGate } from '../shared/components/LoginGate';
import { t } from '../shared/i18n';
import type { EmbedSettings } from '../shared/api-types';
import type { Staff } from '../shared/session';
import { Tabs } from './components/Tabs';
import { TAB_IDS, tabFromHash, type TabId } from './lib/tabs';
import { useLoad, type Loaded } from './lib/useLoad';
import { ButtonsSection } from './sections/ButtonsSection';
import { getEmbed } from './api';
import { CannedSection } from './sections/CannedSection';
import { EmbedBanner, EmbedSection } from './sections/EmbedSection';
import { FieldsSection } from './sections/FieldsSection';
import { HoursSection } from './sections/HoursSection';
import { ScreenSection } from './sections/ScreenSection';
import { StaffSection } from './sections/StaffSection';
import { StampsSection } from './sections/StampsSection';
import { StatsSection } from './sections/StatsSection';
import { TokensSection } from './sections/TokensSection';
import { WebhooksSection } from './sections/WebhooksSection';
import { OutboxSection } from './sections/OutboxSection';
import { AuditSection } from './sections/AuditSection';
import { PrivacySection } from './sections/PrivacySection';

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
  // Read once for the whole menu: the banner above every tab warns while the list is empty.
  const embed = useLoad(getEmbed);

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
        {embed.data?.origins.length === 0 && tab !== 'embed' && <EmbedBanner onOpen={() => select('embed')} />}
        <Tabs tabs={TAB_IDS.map((id) => ({ id, label: t(`tab.${id}`) }))} current={tab} onSelect={select} label={t('admin.sections')}>
          <Panel tab={tab} staff={staff} embed={embed} />
        </Tabs>
      </main>
    </div>
  );
}

function Panel({ tab, staff, embed }: { tab: TabId; staff: Staff; embed: Loaded<EmbedSettings> }) {
  switch (tab) {
    case 'embed':
      return <EmbedSection loaded={embed} />;
    case 'staff':
      return <StaffSection me={staff} />;
    case 'buttons':
      return <ButtonsSection />;
    case 'screen':
      return <ScreenSection />;
    case 'fields':
      return <FieldsSection />;
    case 'hours':
      return <HoursSection />;
    case 'stats':
      return <StatsSection />;
    case 'tokens':
      return <TokensSection />;
    case 'webhooks':
      return <WebhooksSection />;
    case 'outbox':
      return <OutboxSection />;
    case 'audit':
      return <AuditSection />;
    case 'privacy':
      return <PrivacySection />;
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
