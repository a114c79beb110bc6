/** Test-only: render helpers that wrap every tree in StrictMode, as the hook tests require. */
import { render } from '@testing-library/react';
import { Profiler, type ReactNode, StrictMode } from 'react';

/** Renders `ui` inside `<StrictMode>`. */
export function renderStrict(ui: ReactNode) {
  return render(ui, { wrapper: StrictMode });
}

/** Commit counts by id (StrictMode's double render is not a commit). */
export type CommitCounts = Map<string, number>;

/** Counts the commits of its subtree into `counts` under `id`. */
export function Counted({
  id,
  counts,
  children,
}: {
  id: string;
  counts: CommitCounts;
  children: ReactNode;
}) {
  return (
    <Profiler id={id} onRender={() => counts.set(id, (counts.get(id) ?? 0) + 1)}>
      {children}
    </Profiler>
  );
}
