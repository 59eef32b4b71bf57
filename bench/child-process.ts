// The benches' child processes (the tick alone, the local host alone), so that a child's memory is the
// figure's and nothing else's. Each child is a compiled bench script next to this one, given its
// arguments as one JSON string and answering over IPC.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MINUTE_MS = 60_000;

/**
 * `BENCH_HEAP_MB=N` caps the V8 heap of the children (`--max-old-space-size`), as a small instance
 * would: without it V8 sizes its heap for the machine and collects lazily.
 */
function childExecArgv(): string[] {
  const heap = Number(process.env.BENCH_HEAP_MB ?? 0);
  return heap > 0 ? [`--max-old-space-size=${heap}`] : [];
}

/** Starts `script` (relative to this file, e.g. `./tick-child.js`) with `args` as its one argument. */
export function forkChild(script: string, args: unknown): ChildProcess {
  return fork(fileURLToPath(new URL(script, import.meta.url)), [JSON.stringify(args)], {
    stdio: 'inherit',
    execArgv: childExecArgv(),
  });
}

/** The next message `child` sends; rejects when the child exits first (or has already exited). */
export function nextMessage(child: ChildProcess, name: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const exited = () =>
      reject(new Error(`bench: the ${name} exited (${child.signalCode ?? child.exitCode})`));
    if (child.exitCode !== null || child.signalCode !== null) return exited();
    child.once('exit', exited);
    child.once('message', (message) => {
      child.off('exit', exited);
      resolve(message);
    });
  });
}

/** The JSON argument a child was started with. */
export function childArgs<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

/** Runs `script` with `args` in a child process and resolves with the last message it sends back. */
export function runChild<T>(
  script: string,
  args: unknown,
  { timeoutInMs = 120 * MINUTE_MS } = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = forkChild(script, args);
    let message: T | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench: ${script} took longer than ${timeoutInMs / 1000} s`));
    }, timeoutInMs);
    child.on('message', (m) => (message = m as T));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (message !== undefined) resolve(message);
      else reject(new Error(`bench: ${script} exited (${signal ?? code}) without a result`));
    });
  });
}
