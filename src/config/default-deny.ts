/**
 * Obviously destructive commands; a config may replace the list (an empty list allows all).
 * A guard rail against accidents, not a boundary (the sandbox is): `sh -c '…'`, variables or
 * eval get past it. Each pattern is tried on each simple command of the line, normalised
 * (runners/deny.ts): words separated by one space, quotes removed, `sudo`/`env`/`VAR=value`
 * prefixes dropped, the command word without its folder. So `^rm` means "the command is rm",
 * and `echo shutdown` or `grep -rn reboot src` pass. `git push --force-with-lease` is refused
 * (it still rewrites remote history); `--force-if-includes` alone is allowed.
 */
export const DEFAULT_DENY: { rule: string; pattern: string }[] = (() => {
  const end = "(?: |$)";
  /** Some later word of the same command is a recursive flag (-r, -fR, --recursive). */
  const recursiveFlag = (letters: string) =>
    String.raw`(?= (?:\S+ )*?(?:-[a-zA-Z]*[${letters}][a-zA-Z]*|--recursive)${end})`;
  const someWords = String.raw`(?: \S+)*?`;
  return [
    {
      rule: "recursive delete of / or ~",
      pattern: String.raw`^rm${recursiveFlag("rR")}${someWords} (?:\/|~|\$HOME|\$\{HOME\})\/?\*?${end}`,
    },
    {
      rule: "git push --force",
      pattern: String.raw`^git (?:\S+ )*?push${someWords} (?:--force(?:-with-lease)?(?:=\S*)?|-[a-zA-Z]*f[a-zA-Z]*|\+\S+)${end}`,
    },
    {
      rule: "mkfs (formats a disk)",
      pattern: String.raw`^(?:mkfs(?:\.\w+)?|mke2fs|mkswap|wipefs)${end}`,
    },
    {
      rule: "shutdown or reboot",
      pattern: `^(?:shutdown|reboot|halt|poweroff|systemctl (?:poweroff|reboot|halt|kexec)|init [06])${end}`,
    },
    { rule: "fork bomb", pattern: String.raw`^(\S+)\(\) (?:\S+ )*?\1 \| \1 &` },
    {
      rule: "write to a block device",
      pattern: String.raw`(?:\bof=|>) ?\/dev\/(?:sd|hd|vd|xvd|nvme|mmcblk|disk|mapper\/|dm-|md)`,
    },
    {
      rule: "recursive chmod/chown of /",
      pattern: String.raw`^ch(?:mod|own|grp)${recursiveFlag("R")}${someWords} \/\*?${end}`,
    },
  ];
})();
