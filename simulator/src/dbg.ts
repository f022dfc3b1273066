import { runSuite, suite } from '/work/wt/detect/simulator/src/detection-report.ts';
const items = suite().filter((i) => i.scenario === process.argv[2]);
for (const { item, result } of runSuite(items)) {
  const alerts = result.events.filter((e) => e.kind === 'responder_alert');
  if (!alerts.length) continue;
  for (const a of alerts) {
    const i = result.events.indexOf(a);
    console.log(item.name, result.events.slice(Math.max(0, i - 1), i + 1).map((e) => `${e.t / 1000} ${e.kind} ${e.score ?? ''} ${(e.reasons ?? []).join('; ')} ${e.reason ?? ''}`).join(' | '));
  }
}
