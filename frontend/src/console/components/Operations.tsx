import { useRef, useState } from 'preact/hooks';
import { Icon } from './Icon';
import { errorText } from '../../shared/components/errors';
import { Dialog } from '../../shared/components/Dialog';
import { t } from '../../shared/i18n';
import { guestName } from '../format';
import { transferTargets, type Chat } from '../model';
import { acceptMessage, endChat, model, notify, replyingOffline, transfer } from '../store';
import { uploadFile } from '../upload';
import { StaffList } from './StaffList';

/** S5: file upload (with progress), transfer, staff list, return to waiting. */
export function Operations({ chat }: { chat: Chat }) {
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [fileName, setFileName] = useState('');
  const [dialog, setDialog] = useState<'none' | 'transfer' | 'staff'>('none');
  const active = chat.status === 'active';

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setFileName(file.name);
    setProgress(0);
    try {
      const answer = await uploadFile(chat.id, file, setProgress);
      acceptMessage(answer.message);
    } catch (e) {
      notify(errorText(e), 'error');
    } finally {
      setProgress(null);
      if (input.current) input.current.value = '';
    }
  };

  const onTransfer = () => {
    // Alone on duty: the guest list opens instead, as the seed describes (S5.2).
    if (!model.value.online.some((s) => s.id !== model.value.me?.id)) {
      notify(t('console.transfer_alone'));
      replyingOffline.value = true;
      return;
    }
    setDialog('transfer');
  };

  return (
    <div class="operations" role="toolbar" aria-label={t('console.operations')}>
      <input ref={input} type="file" class="visually-hidden" tabIndex={-1} aria-label={t('console.upload')} data-testid="file-input" onChange={(e) => void onFile(e.currentTarget.files?.[0])} />
      <button type="button" class="op-btn" disabled={!active || progress !== null} data-testid="upload-button" onClick={() => input.current?.click()}>
        <Icon name="upload" /> {t('console.upload')}
      </button>
      <button type="button" class="op-btn" disabled={!active} data-testid="transfer-button" onClick={onTransfer}>
        <Icon name="transfer" /> {t('console.transfer')}
      </button>
      <button type="button" class="op-btn" data-testid="staff-list-button" onClick={() => setDialog('staff')}>
        <Icon name="users" /> {t('console.staff_list')}
      </button>
      <button type="button" class="op-btn op-btn--end" data-testid="end-button" onClick={() => endChat(chat.id)}>
        <Icon name="back" /> {active ? t('console.end') : t('console.close_tab')}
      </button>
      {progress !== null && (
        <div class="upload-progress" role="status" data-testid="upload-progress">
          <span class="upload-progress__name">{t('console.uploading', { name: fileName })}</span>
          <progress max={1} value={progress} aria-label={t('console.upload')} />
          <span>{Math.round(progress * 100)}%</span>
        </div>
      )}
      {dialog === 'transfer' && <TransferDialog chat={chat} onClose={() => setDialog('none')} />}
      {dialog === 'staff' && (
        <Dialog title={t('console.staff_list')} onClose={() => setDialog('none')} testId="staff-dialog">
          <StaffList />
        </Dialog>
      )}
    </div>
  );
}

function TransferDialog({ chat, onClose }: { chat: Chat; onClose: () => void }) {
  const targets = transferTargets(model.value);
  return (
    <Dialog title={t('console.transfer_title', { name: guestName(chat.nickname) })} onClose={onClose} testId="transfer-dialog">
      {targets.length === 0 ? (
        <p class="panel__empty">{t('console.transfer_none')}</p>
      ) : (
        <ul class="pick-list">
          {targets.map((s) => (
            <li key={s.id}>
              <button
                type="button"
                class="pick-list__item"
                data-testid="transfer-target"
                data-staff={s.id}
                onClick={() => {
                  transfer(chat.id, s.id);
                  onClose();
                }}
              >
                <span>{s.name}</span>
                <span class="pick-list__load">{t('console.load', { n: s.active_chats, max: s.max_chats })}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}
