// sockguard/protocol from the installed tarball: what a server or proxy uses to read frames the way
// the client does, and to pick the close code that goes with an app error.
import { AppErrorCode, classify, closeCodeForAppCode, parseFrame } from 'sockguard/protocol';

const parsed = parseFrame('{"type":"error","data":{"code":4003,"message":"Token expired"}}');
if (!parsed.ok) throw new Error(`FAIL: a valid error envelope was refused (${parsed.cause})`);
const { code, message } = parsed.envelope.data;
const fault = classify({ source: 'envelope', code, message }, { id: 'f1', now: Date.now() });
const closeCode = closeCodeForAppCode(AppErrorCode.Internal);
if (fault.action !== 'reauthenticate' || closeCode !== 1011) {
  console.error(`FAIL: 4003 gave ${fault.action}, 5000 closes with ${closeCode}`);
  process.exitCode = 1;
} else {
  console.log('ok: parsed and classified a 4003 error envelope; 5000 closes with 1011');
}
