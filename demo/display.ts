// The demo's output. Every line is stamped with the seconds since the demo started. On a
// terminal a status block stays at the bottom and is redrawn in place; lines are printed
// above it. Otherwise (CI, a pipe, a file) output is append-only: lines, plus a one-line
// status whenever the status changes.

import type { Line, Tone } from './status-view.ts';

const ESC = '\x1b[';
const TONES: Record<Tone, string> = {
  plain: '',
  good: `${ESC}32m`,
  bad: `${ESC}31m`,
  warn: `${ESC}33m`,
  dim: `${ESC}2m`,
  bold: `${ESC}1m`,
};

interface DisplayOptions {
  /** Redraw a status block in place. */
  live: boolean;
  color: boolean;
  startedAt: number;
}

export class Display {
  readonly #out: NodeJS.WriteStream;
  readonly #opts: DisplayOptions;
  #block: Line[] = [];
  #drawn = 0;
  #lastStatus = '';
  #closed = false;

  constructor(out: NodeJS.WriteStream, opts: DisplayOptions) {
    this.#out = out;
    this.#opts = opts;
  }

  get live(): boolean {
    return this.#opts.live;
  }

  #paint(text: string, tone: Tone): string {
    return this.#opts.color && TONES[tone] ? `${TONES[tone]}${text}${ESC}0m` : text;
  }

  #stamp(): string {
    const seconds = ((Date.now() - this.#opts.startedAt) / 1000).toFixed(1);
    return `[${seconds.padStart(6)}s] `;
  }

  #erase(): void {
    if (this.#drawn > 0) this.#out.write(`${ESC}${this.#drawn}F${ESC}0J`);
    this.#drawn = 0;
  }

  #draw(): void {
    if (!this.#opts.live || this.#block.length === 0) return;
    // A wrapped line would throw off the count of lines to move up; cut lines to the width.
    const width = Math.max(20, (this.#out.columns ?? 120) - 1);
    const rule = this.#paint('─'.repeat(Math.min(width, 100)), 'dim');
    const body = this.#block.map((l) =>
      this.#paint(l.text.length > width ? `${l.text.slice(0, width - 1)}…` : l.text, l.tone),
    );
    this.#out.write(`${[rule, ...body].join('\n')}\n`);
    this.#drawn = body.length + 1;
  }

  /** One stamped line, kept in the output. */
  line(text: string, tone: Tone = 'plain'): void {
    this.lines([{ text, tone }]);
  }

  lines(lines: readonly Line[]): void {
    if (lines.length === 0) return;
    this.#erase();
    for (const l of lines) this.#out.write(`${this.#paint(`${this.#stamp()}${l.text}`, l.tone)}\n`);
    this.#draw();
  }

  /** Unstamped text such as the instructions at the end; kept above the status block. */
  text(text: string): void {
    this.#erase();
    this.#out.write(text.endsWith('\n') ? text : `${text}\n`);
    this.#draw();
  }

  /** Replaces the status block; without a terminal, prints `plain` when it changed. */
  status(block: Line[], plain: string | undefined): void {
    if (this.#closed) return;
    if (this.#opts.live) {
      // Redrawing an unchanged block only makes the terminal flicker.
      const text = JSON.stringify(block);
      if (text === this.#lastStatus) return;
      this.#lastStatus = text;
      this.#erase();
      this.#block = block;
      this.#draw();
    } else if (plain !== undefined && plain !== this.#lastStatus) {
      this.#lastStatus = plain;
      this.lines([{ text: plain, tone: 'dim' }]);
    }
  }

  /** Leaves the last block on screen as ordinary output and stops redrawing. */
  close(): void {
    this.#closed = true;
    this.#block = [];
    this.#drawn = 0;
  }
}
