// sockguard/protocol from the installed tarball: what a server or proxy uses to read frames the way
// the client does, and to pick the close code that goes with an app error; and the texts a fault
// shows, by default (one per action) and with englishTexts() (per code, the server's own text).
import {
  AppErrorCode,
  classify,
  closeCodeForAppCode,
  englishTexts,
  parseFrame,
} from 'sockguard/protocol';

const problems = [];
const parsed = parseFrame('{"type":"error","data":{"code":4003,"message":"Token expired"}}');
if (!parsed.ok) throw new Error(`FAIL: a valid error envelope was refused (${parsed.cause})`);
const { code, message } = parsed.envelope.data;
const fault = classify({ source: 'envelope', code, message }, { id: 'f1', now: Date.now() });
if (fault.action !== 'reauthenticate') problems.push(`4003 gave ${fault.action}`);
const closeCode = closeCodeForAppCode(AppErrorCode.Internal);
if (closeCode !== 1011) problems.push(`5000 closes with ${closeCode}`);

const notFound = { source: 'envelope', code: 4001, message: 'Room not found' };
const plain = classify(notFound, { id: 'f2', now: Date.now() });
const english = classify(notFound, { id: 'f3', now: Date.now(), messages: englishTexts() });
if (plain.message !== 'The request failed.') problems.push(`default text ${plain.message}`);
if (english.message !== 'Room not found') problems.push(`englishTexts() gave ${english.message}`);
if (plain.detail.serverMessage !== 'Room not found') problems.push('server text not kept for logs');

if (problems.length > 0) {
  console.error(`FAIL: ${problems.join('; ')}`);
  process.exitCode = 1;
} else {
  console.log(
    'ok: parsed and classified a 4003 error envelope; 5000 closes with 1011; 4001 shows ' +
      '"The request failed." by default and the server\'s "Room not found" with englishTexts()',
  );
}
