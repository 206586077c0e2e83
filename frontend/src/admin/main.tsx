import { effect } from '@preact/signals';
import { render } from 'preact';
import '../shared/tokens.css';
import '../shared/base.css';
import { initI18n, t } from '../shared/i18n';
import { AdminApp } from './AdminApp';
import en from './i18n/en.json';
import ja from './i18n/ja.json';

initI18n({ ja, en });
effect(() => {
  document.title = t('admin.page_title');
});

const root = document.getElementById('app');
if (root) render(<AdminApp />, root);
