import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** What `commands.sandbox` asks for. */
export type SandboxMode = "auto" | "off" | "required";

/** Whether commands can run in a sandbox here, and if not, why and what would fix it. */
export type SandboxProbe = { available: true; bwrap: string } | { available: false; why: string };

export interface SandboxLayout {
  /** Folders the command may write to (its root); everything else is read-only. */
  writable: readonly string[];
  /** Files the command may write besides (its log). */
  writableFiles: readonly string[];
  network: boolean;
}

const PROBE_TIMEOUT_MS = 5_000;

let probed: Promise<SandboxProbe> | null = null;

/**
 * Tries bubblewrap once per process with the same kind of namespaces commands get. It fails
 * where bwrap is missing, where user namespaces are disabled (some distributions, some
 * containers) and on macOS, which has no bwrap.
 */
export function probeSandbox(): Promise<SandboxProbe> {
  probed ??= new Promise((resolve) => {
    if (process.platform !== "linux") {
      const where = process.platform === "darwin" ? "macOS" : process.platform;
      resolve({
        available: false,
        why: `squad-mcp has no sandbox on ${where} yet: commands run as plain process groups`,
      });
      return;
    }
    // Found on the server's PATH once: commands get their own PATH, which may lack it.
    const bwrap = onPath("bwrap");
    const args = ["--die-with-parent", "--unshare-pid", "--ro-bind", "/", "/", "true"];
    execFile(bwrap ?? "bwrap", args, { timeout: PROBE_TIMEOUT_MS }, (error, _stdout, stderr) => {
      if (!error && bwrap) resolve({ available: true, bwrap });
      else if (!error || (error as NodeJS.ErrnoException).code === "ENOENT") {
        resolve({
          available: false,
          why: "bwrap not found: install bubblewrap (apt-get install bubblewrap, dnf install bubblewrap)",
        });
      } else {
        const said = String(stderr).trim().split("\n")[0] || error.message;
        resolve({
          available: false,
          why: `bwrap cannot run here (${said}): enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or the AppArmor profile for bwrap)`,
        });
      }
    });
  });
  return probed;
}

/**
 * The bwrap command line that runs `/bin/sh -c command` with the whole file system read-only
 * except `layout.writable`, a private /tmp, its own PID namespace (every process the command
 * starts, `setsid` or not, dies with it, and the server's processes and their
 * /proc/<pid>/environ are out of sight) and a new session (no TIOCSTI into a terminal).
 * `--die-with-parent`: killed with the server, even by SIGKILL.
 */
export function sandboxedShell(
  bwrap: string,
  command: string,
  layout: SandboxLayout,
): [string, string[]] {
  const args = [
    "--die-with-parent",
    "--unshare-pid",
    "--new-session",
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--tmpfs",
    "/tmp",
  ];
  if (!layout.network) args.push("--unshare-net");
  // After the tmpfs: a root under /tmp is bound on top of it.
  for (const folder of layout.writable) args.push("--bind", folder, folder);
  for (const file of layout.writableFiles) args.push("--bind", file, file);
  args.push("--", "/bin/sh", "-c", command);
  return [bwrap, args];
}

function onPath(name: string): string | null {
  for (const folder of (process.env.PATH ?? "").split(delimiter)) {
    const file = join(folder || ".", name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not in this folder.
    }
  }
  return null;
}
