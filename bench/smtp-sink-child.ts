// The loopback SMTP sink of the email benchmark, in its own process so that it does not share a
// core's event loop with the sender: counts messages, keeps nothing. IPC: 'ready' {port}, then
// 'count' → {count}, 'stop' → {count} and exit.
import { startCountingSink } from './lib';

const sink = await startCountingSink();
process.send!({ type: 'ready', port: sink.port });
process.on('message', (m: { type: string }) => {
  if (m.type === 'count') process.send!({ type: 'count', count: sink.count() });
  if (m.type === 'stop')
    void sink.stop().then(() => process.send!({ type: 'count', count: sink.count() }, () => process.exit(0)));
});
process.on('disconnect', () => process.exit(0));
