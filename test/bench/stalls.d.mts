// Types of stalls.mjs (plain JavaScript, so the server child can preload it before tsx).
export interface Stall {
  /** how late the loop came back, ms */
  ms: number;
  /** when the stall began: monotonic ms (process.hrtime), to line up with a CPU profile */
  atMs: number;
  /** GC pause time inside the stall */
  gcMs: number;
  /** what the bench said it was doing (mark) */
  during?: string;
  /** with profile: the functions most of the stall's samples were in */
  top?: string[];
}
export interface StallWatch {
  mark(what: string): void;
  report(): Promise<Stall[]>;
  stop(): void;
}
export function watchStalls(o?: { thresholdMs?: number; profile?: boolean }): StallWatch;
