// File upload with progress (S5.1). fetch() cannot report upload progress, so
// this one call uses XMLHttpRequest; errors become ApiError like every other call.
import { ApiError, parseError } from '../shared/api';
import type { FileMessageOut } from '../shared/api-types';
import { locale } from '../shared/i18n';
import { api } from '../shared/session';

/** Upload `file` into a chat; `onProgress` gets 0…1. Resolves with the posted message. */
export function uploadFile(conversationId: string, file: File, onProgress: (fraction: number) => void): Promise<FileMessageOut> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/conversations/${encodeURIComponent(conversationId)}/files`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Accept-Language', locale.value);
    if (api.csrfToken) xhr.setRequestHeader('X-CSRF-Token', api.csrfToken);
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable) onProgress(ev.loaded / ev.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'upload failed'));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = xhr.responseText;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as FileMessageOut);
      else reject(parseError(xhr.status, body));
    };
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}
