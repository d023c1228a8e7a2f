/**
 * A network namespace joined to the root namespace by a veth pair, for tests that need real traffic on a real
 * interface (XDP): `ip netns add`, `ip link add ... type veth peer ... netns`, IPv4 addresses on both ends. Names
 * carry the process id so parallel runs do not collide; destroy() removes the namespace and both interfaces and is
 * safe to call twice or after a partial setup.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** What a command run inside the namespace printed, and how it ended. */
export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface VethNamespace {
  /** The namespace's name (for `ip netns exec`). */
  readonly name: string;
  /** The veth end in the root namespace, and its IPv4 address. */
  readonly hostInterface: string;
  readonly hostAddress: string;
  /** The veth end inside the namespace, and its IPv4 address. */
  readonly peerInterface: string;
  readonly peerAddress: string;
  /** Runs `command args...` inside the namespace; resolves when it exits (it is killed after `timeoutMs`). */
  run(command: string, args: readonly string[], timeoutMs?: number): Promise<CommandResult>;
  /** Sets a sysctl of the namespace (a path under /proc/sys/, e.g. `net/ipv4/icmp_ratelimit`). */
  sysctl(key: string, value: string): void;
  /** Deletes the namespace and both veth ends (idempotent). */
  destroy(): void;
}

function ip(args: readonly string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Why namespaces with veth pairs cannot be made here, or null when they can (checked once by making one). */
export function vethNamespaceUnavailable(): string | null {
  let ns: VethNamespace | undefined;
  try {
    ns = createVethNamespace('probe');
    return null;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr;
    return `cannot create a network namespace with a veth pair: ${(stderr || (error as Error).message).trim()}`;
  } finally {
    ns?.destroy();
  }
}

let serial = 0;

/**
 * Creates namespace `tsbpf-TAG-PID-N` with veth `tbNh<pid>`/`tbNp<pid>` (interface names have at most 15
 * characters) and addresses 10.X.Y.1 (host side) and 10.X.Y.2 (namespace side) on a /30 derived from the pid.
 */
export function createVethNamespace(tag: string): VethNamespace {
  const n = serial++;
  const pid = process.pid;
  const name = `tsbpf-${tag}-${pid}-${n}`;
  const hostInterface = `tb${n % 100}h${pid}`.slice(0, 15);
  const peerInterface = `tb${n % 100}p${pid}`.slice(0, 15);
  // 10.200-239.*.*/30: one /30 per (pid, n); unlikely to clash with a real network on a test machine.
  const block = (pid * 16 + (n % 16)) % (40 * 65536 / 4);
  const base = 10 * 2 ** 24 + 200 * 65536 + block * 4;
  const dotted = (value: number) => [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
  const hostAddress = dotted(base + 1);
  const peerAddress = dotted(base + 2);
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    // Deleting either veth end deletes the pair; deleting the namespace would too, but not if the peer never
    // made it into the namespace, so both steps run and tolerate "does not exist".
    if (existsSync(`/sys/class/net/${hostInterface}`)) quietly(['link', 'del', hostInterface]);
    if (existsSync(`/run/netns/${name}`)) quietly(['netns', 'del', name]);
  };
  try {
    ip(['netns', 'add', name]);
    ip(['link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', peerInterface, 'netns', name]);
    ip(['addr', 'add', `${hostAddress}/30`, 'dev', hostInterface]);
    ip(['link', 'set', hostInterface, 'up']);
    ip(['-n', name, 'addr', 'add', `${peerAddress}/30`, 'dev', peerInterface]);
    ip(['-n', name, 'link', 'set', peerInterface, 'up']);
    ip(['-n', name, 'link', 'set', 'lo', 'up']);
  } catch (error) {
    destroy();
    throw error;
  }
  const run = (command: string, args: readonly string[], timeoutMs = 10_000) =>
    new Promise<CommandResult>((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', name, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });
  const sysctl = (key: string, value: string) => {
    // /proc/sys/net shows the namespace of the process that opens it, so the write runs inside the namespace.
    const write = 'require("node:fs").writeFileSync(process.argv[1], process.argv[2])';
    ip(['netns', 'exec', name, process.execPath, '-e', write, `/proc/sys/${key}`, value]);
  };
  return { name, hostInterface, hostAddress, peerInterface, peerAddress, run, sysctl, destroy };
}

function quietly(args: readonly string[]): void {
  try {
    ip(args);
  } catch {
    // Already gone (a concurrent delete of the pair, or the namespace took the peer with it).
  }
}

/** The `ip link show` line(s) of an interface in the root namespace (shows `xdp`, `xdpgeneric`, `prog/xdp id`). */
export function linkShow(iface: string): string {
  return ip(['link', 'show', 'dev', iface]);
}
