'use client';
import type { DependencyList, EffectCallback } from 'react';
import { useEffect, useLayoutEffect } from 'react';

/**
 * `useLayoutEffect` in a browser (runs before passive effects and paint), `useEffect` on a server,
 * where neither runs but `useLayoutEffect` would warn. Decided per call, never at import.
 */
export function useIsomorphicLayoutEffect(effect: EffectCallback, deps?: DependencyList): void {
  const useEffectHere = typeof window === 'undefined' ? useEffect : useLayoutEffect;
  useEffectHere(effect, deps);
}
