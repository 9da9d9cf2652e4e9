export interface DenyRule {
  rule: string;
  pattern: string;
}

/**
 * Words that run the command after them (`sudo rm …`), and shell keywords a command may follow:
 * the command a rule is about is the first word after them.
 */
const WRAPPERS = new Set([
  "sudo",
  "doas",
  "env",
  "nohup",
  "nice",
  "time",
  "exec",
  "command",
  "xargs",
  "then",
  "do",
  "else",
  "if",
  "while",
  "until",
  "!",
]);

const ASSIGNMENT = /^\w+=/;
const QUOTES = /['"]/g;
/** `${NAME}` is a word, not a group: it reads as `$NAME`. */
const BRACED_VARIABLE = /\$\{(\w*)\}/g;
const SEPARATORS = /[\n;&|(){}`]+/;
const BLANKS = /[ \t\r]+/g;
/**
 * `name() { body`. Starts only at a word start, so the name is not retried from each of its
 * characters.
 */
const FUNCTION_DEFINITION = /(?<![^\s;&|(){}`])([^\s;&|(){}`]+)[ \t]*\([ \t]*\)[ \t]*\{([^}]*)/g;

/**
 * The simple commands of a shell line as deny rules see them: one string each, its words
 * separated by one space, quotes removed, wrappers and `VAR=value` prefixes dropped and the
 * command word without its folder (`sudo /bin/rm -rf "/"` is `rm -rf /`). A function
 * definition also gives one string of its name and body with the separators kept as words
 * (`f() f | f &`), so a fork bomb can be recognised. Native splits and patterns that do not
 * backtrack over the line: the cost is linear in its length. Separators inside quotes split
 * too; a guard rail errs on refusing.
 */
export function simpleCommands(line: string): string[] {
  const text = line.replace(QUOTES, "").replace(BRACED_VARIABLE, "$$$1");
  const commands = new Set<string>();
  for (const segment of new Set(text.split(SEPARATORS))) {
    const normal = normalise(segment);
    if (normal !== "") commands.add(normal);
  }
  for (const [, name, body = ""] of text.matchAll(FUNCTION_DEFINITION)) {
    const words = body
      .replace(/([;&|`\n])/g, " $1 ")
      .split(/\s+/)
      .filter(Boolean);
    commands.add([`${name}()`, ...words].join(" "));
  }
  return [...commands];
}

/** `segment` with its blanks made single spaces, its wrappers dropped and its command word's folder. */
function normalise(segment: string): string {
  let rest = segment.replace(BLANKS, " ").trim();
  let afterWrapper = false;
  for (;;) {
    const space = rest.indexOf(" ");
    const word = space === -1 ? rest : rest.slice(0, space);
    const skip =
      WRAPPERS.has(word) || ASSIGNMENT.test(word) || (afterWrapper && word.startsWith("-"));
    if (!skip || word === "") break;
    afterWrapper = true;
    rest = space === -1 ? "" : rest.slice(space + 1);
  }
  const space = rest.indexOf(" ");
  const command = space === -1 ? rest : rest.slice(0, space);
  const name = command.slice(command.lastIndexOf("/") + 1) || command;
  return name + rest.slice(command.length);
}

/** Compiled once per rule object: a squad checks every command against every rule. */
const compiledRules = new WeakMap<DenyRule, RegExp>();

function denyPattern(rule: DenyRule): RegExp {
  let pattern = compiledRules.get(rule);
  if (!pattern) {
    // The config schema only accepts patterns that compile, so no guard is needed here.
    pattern = new RegExp(rule.pattern);
    compiledRules.set(rule, pattern);
  }
  return pattern;
}

/**
 * The rule that refuses this command line, or null. Each rule's pattern is tried on each
 * simple command (see simpleCommands), so the rules stay short and anchored and the check
 * does not backtrack over the whole line.
 */
export function deniedBy(line: string, deny: readonly DenyRule[]): DenyRule | null {
  if (deny.length === 0) return null;
  const commands = simpleCommands(line);
  for (const rule of deny) {
    const pattern = denyPattern(rule);
    if (commands.some((command) => pattern.test(command))) return rule;
  }
  return null;
}

/** The text the host sees when a command is refused. */
export function denialMessage(rule: string): string {
  return `refused by deny rule '${rule}' (commands.deny in the config)`;
}
