// Stands in for sockguard/react in the size-comparison build: the same exports the Vite example
// imports, doing nothing, so the build without sockguard keeps the app's own code.
import type { ReactNode } from 'react';

export function SocketProvider(props: { readonly children?: ReactNode }): ReactNode {
  return props.children;
}

export function useSocket(): {
  readonly status: string;
  readonly send: (type: string, data: unknown) => void;
} {
  return { status: 'idle', send: () => {} };
}

export function useSocketMessage(_type: string, _handler: (envelope: { data: unknown }) => void) {}

export function useErrorToasts() {
  const toasts: { id: string; message: string; count: number }[] = [];
  return { toasts, dismiss: (_id: string) => {} };
}

export function useAuthRedirect(_callback: () => void) {}
