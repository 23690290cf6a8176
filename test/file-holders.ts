/**
 * Which processes hold a file open, read from /proc (Linux). The Temporal fault test uses it to
 * SIGKILL the process that holds the server's SQLite file, whatever launched it: a wrapper script
 * around the CLI would otherwise survive and the server would live on.
 */
import fs from 'node:fs';

/** Pids of the processes with `file` open; undefined where /proc cannot tell (not Linux). */
export function pidsHolding(file: string): number[] | undefined {
  if (!fs.existsSync('/proc/self/fd')) return undefined;
  const target = fs.realpathSync(file);
  const holders: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${entry}/fd`);
    } catch {
      // Gone meanwhile, or another user's process.
      continue;
    }
    const holds = fds.some((fd) => {
      try {
        return fs.readlinkSync(`/proc/${entry}/fd/${fd}`) === target;
      } catch {
        return false;
      }
    });
    if (holds) holders.push(Number(entry));
  }
  return holders;
}

/** True while a process with this pid exists; a zombie (dead, not yet reaped) counts as gone. */
export function processAlive(pid: number): boolean {
  if (fs.existsSync('/proc/self/stat')) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The state is the field after the command name, which is in parentheses.
      return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
