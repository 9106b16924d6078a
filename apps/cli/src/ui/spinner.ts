import type { Style } from './color.js';
import type { OutputStream } from './io.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Spinner {
  /** Shows `text` after `delayMs` unless stopped before: quick operations show nothing. */
  start(text: string): void;
  update(text: string): void;
  /** Clears the line. Safe to call when never started. */
  stop(): void;
}

export interface SpinnerOptions {
  /** Only on a terminal: piped stderr and --json runs never get spinner frames. */
  enabled: boolean;
  style: Style;
  delayMs?: number;
  intervalMs?: number;
}

const noop: Spinner = { start() {}, update() {}, stop() {} };

/** A one-line spinner on stderr, drawn only on a TTY, after a short delay. */
export function createSpinner(stream: OutputStream, options: SpinnerOptions): Spinner {
  if (!options.enabled) return noop;
  const delayMs = options.delayMs ?? 150;
  const intervalMs = options.intervalMs ?? 80;
  let text = '';
  let frame = 0;
  let delay: NodeJS.Timeout | undefined;
  let timer: NodeJS.Timeout | undefined;
  let visible = false;

  const restoreCursor = () => {
    if (visible) stream.write('\r\u001b[2K\u001b[?25h');
  };
  const draw = () => {
    const glyph = options.style.cyan(FRAMES[frame % FRAMES.length] ?? '-');
    frame += 1;
    stream.write(`\r\u001b[2K${glyph} ${text}`);
  };
  const show = () => {
    visible = true;
    stream.write('\u001b[?25l');
    process.once('exit', restoreCursor);
    draw();
    timer = setInterval(draw, intervalMs);
    timer.unref();
  };
  return {
    start(next) {
      text = next;
      if (delay || timer) return;
      delay = setTimeout(show, delayMs);
      delay.unref();
    },
    update(next) {
      text = next;
      if (visible) draw();
    },
    stop() {
      if (delay) clearTimeout(delay);
      if (timer) clearInterval(timer);
      delay = undefined;
      timer = undefined;
      if (visible) {
        restoreCursor();
        process.removeListener('exit', restoreCursor);
        visible = false;
      }
    },
  };
}
