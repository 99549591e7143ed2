import type { TrackingState } from './link-tracking.js';

/**
 * What the helpers of the one render in progress need: the data's root (locale, time zone, stage) and the
 * link tracking state. Rendering is synchronous, so a module-level slot is enough; it lets sends compile
 * templates without Handlebars' `@data` frames, which makes every block cheaper.
 */
export interface RenderScope {
  root: Record<string, unknown>;
  tracking: TrackingState | null;
}

let current: RenderScope | null = null;

/** Runs `render` with `scope` as the current render scope (restoring the previous one afterwards). */
export function withRenderScope<T>(scope: RenderScope, render: () => T): T {
  const previous = current;
  current = scope;
  try {
    return render();
  } finally {
    current = previous;
  }
}

/** The scope of the render in progress, or null outside {@link withRenderScope}. */
export function currentRenderScope(): RenderScope | null {
  return current;
}
