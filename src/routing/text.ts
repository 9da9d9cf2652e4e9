/** Words that carry no signal for deciding who should do a task. */
const STOPWORDS = new Set(
  (
    "a an and are as at be by can could do does for from has have how i if in into is it its me " +
    "my of on or our please should so that the their them then there these this those to up us " +
    "was we were what when where which while who why will with would you your any all some " +
    "use used using uses make new add update get set run runs check code file files task tasks " +
    "project work thing things need needs want also just like via per each every other one two"
  ).split(" "),
);

/** Splits identifiers too: `ACGMEValidator` → `acgme validator`, `parse_date` → `parse date`. */
export function words(text: string): string[] {
  const spaced = text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase();
  return spaced.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** A light suffix-stripper: enough that "schedules" meets "schedule" and "auditing" "audit". */
export function stem(word: string): string {
  if (word.length <= 4) return word;
  if (word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  let root = word;
  for (const suffix of ["ing", "ed", "es", "s"]) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 4) {
      root = word.slice(0, -suffix.length);
      break;
    }
  }
  // "validate", "validates", "validating" all meet at "validat".
  return root.length > 4 && root.endsWith("e") ? root.slice(0, -1) : root;
}

/** Meaningful, stemmed terms of a text, in order, repeats kept. */
export function terms(text: string): string[] {
  return words(text)
    .filter((word) => word.length >= 2 && !STOPWORDS.has(word))
    .map(stem);
}

/** Lowercase words joined by single spaces, for phrase containment checks. */
export function normalisePhrase(text: string): string {
  return ` ${words(text).join(" ")} `;
}
