import { effect } from '@preact/signals';
import { render } from 'preact';
import '../shared/tokens.css';
import '../shared/base.css';
import { initI18n, t } from '../shared/i18n';
import { ConsoleApp } from './ConsoleApp';
import en from './i18n/en.json';
import ja from './i18n/ja.json';
// The console's styles, one file a part, in cascade order (on a tie the later wins).
import './styles/layout.css';
import './styles/parts.css';
import './styles/status-bar.css';
import './styles/waiting-list.css';
import './styles/chat-tabs.css';
import './styles/chat-pane.css';
import './styles/timeline.css';
import './styles/composer.css';
import './styles/operations.css';
import './styles/staff-list.css';
import './styles/user-info.css';
import './styles/canned-dialog.css';
import './styles/guest-list.css';
import './styles/message-search.css';
import './styles/notices.css';
import './styles/narrow.css';
import './styles/supervisor.css';
import './styles/csat.css';

initI18n({ ja, en });
effect(() => {
  document.title = t('console.page_title');
});

const root = document.getElementById('app');
if (root) render(<ConsoleApp />, root);
