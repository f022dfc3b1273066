// The registry laid out once for the hot path: which rules take each kind of reading, and the rules
// of each role, as index lists. Shared by every detector that runs the same registry list, so a
// wearer's state stays its rules' numbers; a reading reaches only the rules that read it.
import type { RuleEntry } from './rules/index.js';
import { WEARABLE, type Reading, type Rule } from './rules/rule.js';

type Kind = Reading['kind'];

export class RuleSet {
  /** the rules (indexes) that read each kind of reading */
  readonly hr: readonly number[];
  readonly rr: readonly number[];
  readonly spo2: readonly number[];
  readonly room: readonly number[];
  readonly door: readonly number[];
  /** the rules of each role, and those whose evidence comes from the wearable */
  readonly contexts: readonly number[];
  readonly primaries: readonly number[];
  readonly supports: readonly number[];
  readonly wearable: readonly number[];

  private constructor(readonly entries: readonly RuleEntry[]) {
    const where = (f: (e: RuleEntry) => boolean) => entries.flatMap((e, i) => (f(e) ? [i] : []));
    const reading = (k: Kind) => where((e) => e.reads.includes(k));
    this.hr = reading('hr');
    this.rr = reading('rr');
    this.spo2 = reading('spo2');
    this.room = reading('room');
    this.door = reading('door');
    this.contexts = where((e) => e.role === 'context');
    this.primaries = where((e) => e.role === 'primary');
    this.supports = where((e) => e.role === 'support');
    this.wearable = where((e) => e.source === WEARABLE);
  }

  private static readonly made = new WeakMap<readonly RuleEntry[], RuleSet>();

  /** The layout of `entries` (made once per list). */
  static of(entries: readonly RuleEntry[]): RuleSet {
    let set = RuleSet.made.get(entries);
    if (!set) {
      set = new RuleSet(entries);
      RuleSet.made.set(entries, set);
    }
    return set;
  }

  /** The rules (indexes, in registry order) that read `kind`. */
  readers(kind: Kind): readonly number[] {
    switch (kind) {
      case 'hr':
        return this.hr;
      case 'rr':
        return this.rr;
      case 'spo2':
        return this.spo2;
      case 'room':
        return this.room;
      case 'door':
        return this.door;
    }
  }

  /** Fresh rules for one wearer, in registry order. */
  create(): Rule[] {
    return this.entries.map((e) => e.create());
  }
}
