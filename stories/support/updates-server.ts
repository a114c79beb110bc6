/**
 * The server behind the Delivery stories, on a scenario made with `{ delivery: true }`: it
 * publishes `update` messages (numbered and kept for replay by the scenario), answers `updates`
 * with every update so far (what an app refetches after a resync), and takes `note` sends.
 */
import type { Scenario } from '../../src/testing/index.js';
import { DELIVERY_TYPES, type Update } from '../components/DeliveryPanel.js';

/** What a Delivery story's play function drives. */
export interface UpdatesServer {
  /** Publishes an update to every session, connected or not. */
  publish(text: string): void;
  /** Makes the next `updates` requests wait until the returned function is called. */
  holdRefresh(): () => void;
}

/** Serves the Delivery panel's protocol on `scenario`. */
export function serveUpdates(scenario: Scenario): UpdatesServer {
  const updates: Update[] = [];
  let gate: Promise<void> = Promise.resolve();
  scenario.reply(DELIVERY_TYPES.refresh, async () => {
    await gate;
    return [...updates];
  });
  return {
    publish(text) {
      const update = { id: updates.length + 1, text };
      updates.push(update);
      scenario.send(DELIVERY_TYPES.update, update);
    },
    holdRefresh() {
      let open = () => {};
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      return () => {
        open();
        gate = Promise.resolve();
      };
    },
  };
}
