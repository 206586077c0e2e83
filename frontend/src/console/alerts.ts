// Getting a busy staff member's attention (S1.4, S6): a short beep through Web
// Audio (browsers only allow it after a user gesture, so the context is created
// on the first click), a flashing tab title, and a desktop notification when
// the browser grants it.

let audio: AudioContext | null = null;

/** Call from any click: creates or resumes the audio context so later beeps may play. */
export function unlockAudio(): void {
  try {
    const Ctor = globalThis.AudioContext ?? (globalThis as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctor) return;
    audio ??= new Ctor();
    if (audio.state === 'suspended') void audio.resume();
  } catch {
    audio = null;
  }
}

/** Two short tones: high for a new waiting guest, lower for a new message. */
export function beep(kind: 'guest' | 'message'): void {
  if (!audio || audio.state !== 'running') return;
  const notes = kind === 'guest' ? [880, 1175] : [660];
  const start = audio.currentTime;
  notes.forEach((freq, i) => {
    const ctx = audio as AudioContext;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = freq;
    const t = start + i * 0.16;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.14);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + 0.15);
  });
}

let flashTimer: ReturnType<typeof setInterval> | null = null;
let baseTitle = '';

/** Alternate the tab title with `text` until the page is looked at again. */
export function flashTitle(text: string): void {
  if (typeof document === 'undefined' || flashTimer) return;
  baseTitle = document.title;
  let on = false;
  flashTimer = setInterval(() => {
    on = !on;
    document.title = on ? text : baseTitle;
  }, 1000);
  const stop = () => {
    if (document.visibilityState === 'visible' && document.hasFocus()) stopFlash();
  };
  window.addEventListener('focus', stop, { once: true });
  document.addEventListener('click', stop, { once: true });
}

/** Stop flashing and restore the title. */
export function stopFlash(): void {
  if (flashTimer) clearInterval(flashTimer);
  flashTimer = null;
  if (baseTitle) document.title = baseTitle;
}

export type NotifyState = 'unsupported' | 'default' | 'denied' | 'on' | 'off';

const DESKTOP_KEY = 'chats:console:desktop';

function readDesktopChoice(): boolean {
  try {
    return globalThis.localStorage?.getItem(DESKTOP_KEY) !== 'off';
  } catch {
    return true;
  }
}

/** Where desktop notifications stand: the browser's permission, then this person's on/off choice. */
export function notifyState(): NotifyState {
  if (typeof Notification === 'undefined') return 'unsupported';
  if (Notification.permission === 'default') return 'default';
  if (Notification.permission === 'denied') return 'denied';
  return readDesktopChoice() ? 'on' : 'off';
}

/** Ask the browser for desktop notifications; must run inside a click, after the explanation. */
export async function askNotifications(): Promise<NotifyState> {
  if (typeof Notification !== 'undefined' && Notification.permission === 'default') await Notification.requestPermission();
  setDesktopChoice(true);
  return notifyState();
}

/** Switch desktop notifications on or off in this browser (once the browser allows them). */
export function setDesktopChoice(on: boolean): void {
  try {
    globalThis.localStorage?.setItem(DESKTOP_KEY, on ? 'on' : 'off');
  } catch {
    /* storage blocked: the choice lasts until the page closes */
  }
}

/** Show a desktop notification when allowed, switched on, and the page is not in front. */
export function desktopNotify(title: string, body: string, tag = 'chats-waiting'): void {
  if (notifyState() !== 'on') return;
  if (document.visibilityState === 'visible' && document.hasFocus()) return;
  try {
    const n = new Notification(title, { body, tag });
    n.onclick = () => {
      window.focus();
      n.close();
    };
  } catch {
    /* some browsers only allow notifications from a service worker */
  }
}
