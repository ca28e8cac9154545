// Sound and desktop notifications for the moments an agency must not miss (go-live, raids, hype
// trains). Both are off by default and remembered per browser. Sounds are synthesized with Web
// Audio (no audio files, nothing extra for the CSP to allow) and rate-limited, so a catch-up that
// brings 30 raids at once plays one chime, not 30.

import { HIGHLIGHT_TYPES, describeEvent } from "./format.js";

const STORAGE_KEY = "ccr.alerts";
const MIN_GAP_MS = 2500;

export class Alerts {
  sound = false;
  notify = false;
  #audio = null;
  #lastSound = 0;
  #lastNotification = 0;

  constructor() {
    try {
      const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "{}");
      this.sound = saved.sound === true;
      this.notify = saved.notify === true && "Notification" in window && Notification.permission === "granted";
    } catch {
      // Storage unavailable or corrupt: keep the defaults.
    }
    // Sound remembered as on: audio may only start after a user gesture on this page.
    const unlock = () => { if (this.sound) { this.#audio ??= new AudioContext(); this.#audio.resume?.(); } };
    document.addEventListener("pointerdown", unlock, { once: true });
    document.addEventListener("keydown", unlock, { once: true });
  }

  #save() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify({ sound: this.sound, notify: this.notify }));
    } catch {
      // Private mode without storage: the toggle lasts for this page only.
    }
  }

  /** Must run from a user gesture (browsers only start audio after one). */
  setSound(on) {
    this.sound = Boolean(on);
    if (this.sound) {
      this.#audio ??= new AudioContext();
      this.#audio.resume?.();
      this.#chime();
    }
    this.#save();
  }

  async setNotify(on) {
    if (on && "Notification" in window) {
      const permission = Notification.permission === "default" ? await Notification.requestPermission() : Notification.permission;
      this.notify = permission === "granted";
    } else {
      this.notify = false;
    }
    this.#save();
    return this.notify;
  }

  /** Called with newly admitted events (newest first) that arrived live or by catch-up. */
  announce(events, creators) {
    const highlights = events.filter((event) => HIGHLIGHT_TYPES.has(event.type) && event.type !== "channel.hype_train.progress");
    if (!highlights.length) return;
    const now = Date.now();
    if (this.sound && now - this.#lastSound > MIN_GAP_MS) {
      this.#lastSound = now;
      this.#chime();
    }
    if (this.notify && now - this.#lastNotification > MIN_GAP_MS && "Notification" in window && Notification.permission === "granted") {
      this.#lastNotification = now;
      const event = highlights[0];
      const creator = creators.get(event.creatorId);
      const name = creator?.displayName ?? "A creator";
      const more = highlights.length > 1 ? ` (+${highlights.length - 1} more)` : "";
      try {
        // Notification text is rendered by the OS as plain text.
        new Notification(`${name}: ${describeEvent(event, creator?.twitchUserId)}`, { body: more.trim(), tag: `ccr-${event.type}` });
      } catch {
        // Some browsers only allow notifications from a service worker; the sound still plays.
      }
    }
  }

  #chime() {
    const context = this.#audio;
    if (!context || context.state === "closed") return;
    const start = context.currentTime + 0.01;
    for (const [offset, frequency] of [[0, 880], [0.16, 1320]]) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.25);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.3);
    }
  }
}
