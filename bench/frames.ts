/** The envelope the throughput and render benchmarks send: about 100 bytes, like chat/tick traffic. */
export function tickFrame(seq: number): string {
  return JSON.stringify({
    type: 'tick',
    data: { seq, room: 'general', text: 'hello' },
    meta: { timestamp: '2026-11-24T12:00:00Z' },
  });
}
