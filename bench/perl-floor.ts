import { spawn } from "node:child_process";
import { once } from "node:events";

/**
 * The floor for any squad whose commands perl starts: perl alone, with no server and no pipe
 * to one, running `tasks` × `sh -c true`, `concurrency` at once, and timing itself from its
 * first fork to its last reap (so perl's own start-up is not counted against it).
 *
 * "launcher": each command as the launcher starts one (its own log file, a new session, the
 * handshake pipe closed after setsid, stdin from /dev/null, chdir, exec /bin/sh -c).
 * "bare": fork and exec /bin/sh -c only, no log, session or handshake: perl's fork itself.
 */
const FLOOR = String.raw`
use strict; use warnings; use POSIX (); use Time::HiRes ();
my ($tasks, $slots, $dir, $mode) = @ARGV;
my $full = $mode eq 'launcher';
open(my $null, '<', '/dev/null') or die "/dev/null: $!\n";
my ($started, $running) = (0, 0);
my $began = Time::HiRes::time();
while ($started < $tasks || $running > 0) {
  while ($started < $tasks && $running < $slots) {
    my ($fh, $ready, $done);
    if ($full) {
      open($fh, '>', "$dir/floor-$started.log") or die "log: $!\n";
      pipe($ready, $done) or die "pipe: $!\n";
    }
    my $pid = fork() // die "fork: $!\n";
    if ($pid == 0) {
      if ($full) {
        close $ready; POSIX::setsid(); close $done;
        POSIX::dup2(fileno($null), 0); POSIX::dup2(fileno($fh), 1); POSIX::dup2(fileno($fh), 2);
        chdir($dir) or POSIX::_exit(126);
      }
      { exec { '/bin/sh' } '/bin/sh', '-c', 'true'; }
      POSIX::_exit(127);
    }
    if ($full) { close $fh; close $done; sysread($ready, my $byte, 1); close $ready; }
    $started++; $running++;
  }
  waitpid(-1, 0) > 0 or die "waitpid: $!\n";
  die "sh -c true ended $?\n" if $?;
  $running--;
}
printf "%.3f\n", (Time::HiRes::time() - $began) * 1000;
`;

export type PerlFloorMode = "launcher" | "bare";

/** One timed run of the floor program; its wall time in ms. */
export async function timePerlFloor(
  tasks: number,
  concurrency: number,
  dir: string,
  mode: PerlFloorMode,
): Promise<number> {
  const child = spawn("perl", ["-e", FLOOR, String(tasks), String(concurrency), dir, mode], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const [code] = (await once(child, "exit")) as [number | null];
  const wallMs = Number(stdout.trim());
  if (code !== 0 || !Number.isFinite(wallMs))
    throw new Error(`perl floor (${mode}) exited ${code}`);
  return wallMs;
}
