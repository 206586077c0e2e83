import { ApiError } from '../api';
import { i18n, t } from '../i18n';

/**
 * Text to show for a failed call: the server's own (localised) message when it
 * sent one, else our catalog's text for the code, else a generic line.
 */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'network_error') return t('error.network');
    const known = !e.code.startsWith('http_') && e.code !== 'bad_response';
    if (known && e.message) return e.message;
    if (i18n.has(`error.${e.code}`)) return t(`error.${e.code}`);
  }
  return t('error.unknown');
}
