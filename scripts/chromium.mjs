// Where Debian's Chromium lives and how to launch it here (see ../shared/TOOLCHAIN.md).
import { existsSync } from 'node:fs';

export const chromiumPath = process.env.SOCKGUARD_CHROMIUM ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function hasChromium() {
  return existsSync(chromiumPath);
}

export const installHint =
  "Install Debian's Chromium with: sudo apt-get update && sudo apt-get install -y chromium\n" +
  '(or point SOCKGUARD_CHROMIUM at another Chromium binary).';
