'use client';
import { useRef } from 'react';
import { useIsomorphicLayoutEffect } from './isomorphic-layout-effect.js';

/**
 * A ref that holds the latest `value`, updated in a layout effect (never during render), so
 * callbacks created once can call the newest handler without re-subscribing.
 */
export function useLatestRef<T>(value: T): { readonly current: T } {
  const ref = useRef(value);
  useIsomorphicLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}
