/**
 * After a second, and every five seconds after that, a line saying what is still building: a
 * JS build takes seconds, and silence looks like a hang. Clear the interval when it is done.
 */
export function progressTicker(
  out: (line: string) => void,
  label: string,
): ReturnType<typeof setInterval> {
  const started = performance.now();
  let ticks = 0;
  const ticker = setInterval(() => {
    ticks++;
    if (ticks === 1 || ticks % 5 === 0) {
      out(`… building ${label}: ${Math.round((performance.now() - started) / 1000)} s`);
    }
  }, 1000);
  ticker.unref();
  return ticker;
}
