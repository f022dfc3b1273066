// Accessibility checks for the browser suite: axe-core run inside the page (every rule axe runs by
// default, WCAG 2.2 AA included), and tap targets of at least 44 px. The product's strict CSP stays as it
// is: axe is evaluated through the DevTools protocol (page.evaluate), which CSP does not govern.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** Fails with every violation axe finds on the page as it is now (`label` names the screen). */
export async function expectNoAxeViolations(page: Page, label: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            ctx: Document,
            opts: object,
          ): Promise<{
            passes: unknown[];
            violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[];
          }>;
        };
      }
    ).axe;
    const res = await axe.run(document, {
      resultTypes: ['violations'],
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    if (res.passes.length < 10) throw new Error(`axe checked almost nothing (${res.passes.length} rules passed)`);
    return res.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
    }));
  });
  expect(violations as Violation[], `axe on ${label}`).toEqual([]);
}

/**
 * Visible controls smaller than 44 x 44 CSS px (WCAG 2.5.5 target size, the app's own rule). Radio and
 * check boxes count by their label, which is the real target; links inside running text are exempt.
 */
export async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const sel =
      'button, a.button, a.back, .nav a, .subnav a, summary, label.radio, label.check, select, textarea, input:not([type=radio]):not([type=checkbox]):not([type=hidden])';
    for (const el of document.querySelectorAll<HTMLElement>(sel)) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (getComputedStyle(el).visibility === 'hidden') continue;
      if (r.height < 44 || r.width < 44)
        out.push(
          `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.textContent ?? '').trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`,
        );
    }
    return out;
  });
}

/** One screen as a phone user meets it: no axe violation, no target under 44 px, nothing scrolls sideways. */
export async function expectAccessibleScreen(page: Page, label: string): Promise<void> {
  await expectNoAxeViolations(page, label);
  expect(await smallTargets(page), `tap targets on ${label}`).toEqual([]);
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
  expect(scroll, `sideways scroll on ${label}`).toBeLessThanOrEqual(width);
}
