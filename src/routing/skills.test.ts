import { describe, expect, it } from "vitest";
import { matchSkills, type Skill } from "./skills.js";

const skills: Skill[] = [
  {
    name: "acgme-compliance",
    description:
      "Validate residency schedules against ACGME duty hour rules: the 80-hour week, one day off in seven, 24+4 continuous duty limits.",
    path: "/p/.claude/skills/acgme-compliance/SKILL.md",
  },
  {
    name: "security-audit",
    description:
      "Audit code for security vulnerabilities: injection, broken authentication, secrets in source, OWASP top ten.",
    path: "/p/.claude/skills/security-audit/SKILL.md",
  },
  {
    name: "database-migration",
    description:
      "Plan and write safe Alembic database migrations with rollbacks and data backfills.",
    path: "/p/.claude/skills/database-migration/SKILL.md",
  },
];

const options = { required: [] as string[], threshold: 2.5, mechanical: false };

describe("matchSkills", () => {
  it("finds the skill a compliance question needs", () => {
    const verdict = matchSkills(
      "Check whether the new call schedule violates ACGME duty hour limits",
      skills,
      options,
    );
    expect(verdict.needsSkill).toBe(true);
    expect(verdict.matches[0]?.name).toBe("acgme-compliance");
    expect(verdict.matches[0]?.why).toBe("relevant");
  });

  it("leaves a grep that mentions a domain term to the squad", () => {
    const verdict = matchSkills('grep -r "ACGMEValidator" backend/', skills, {
      ...options,
      mechanical: true,
    });
    expect(verdict.needsSkill).toBe(false);
  });

  it("always counts an explicit mention of the skill's name, even in a command", () => {
    const verdict = matchSkills("Use security-audit on the login handler", skills, {
      ...options,
      mechanical: true,
    });
    expect(verdict.matches).toEqual([
      expect.objectContaining({ name: "security-audit", why: "named" }),
    ]);
  });

  it("does not match unrelated work", () => {
    for (const task of [
      "Write a docstring for parse_date",
      "Scaffold a React button component",
      "Check the code style of utils.py",
    ]) {
      expect(matchSkills(task, skills, options).needsSkill, task).toBe(false);
    }
  });

  it("needs two shared domain words: one common word or a workflow verb is not enough", () => {
    const scheduling: Skill[] = [
      {
        name: "acgme-compliance",
        description:
          "Validate residency and call schedules against ACGME duty hour rules; review shift swaps for compliance.",
        path: "x",
      },
    ];
    for (const task of [
      "Add docstrings to backend/app/scheduling/engine.py",
      "Review the PR diff for the swap feature",
      "Validate the JSON output of the export",
    ]) {
      expect(matchSkills(task, scheduling, options).needsSkill, task).toBe(false);
    }
    expect(
      matchSkills("Do the shift swaps respect the duty hour rules?", scheduling, options)
        .needsSkill,
    ).toBe(true);
  });

  it("matches a security review by relevance", () => {
    const verdict = matchSkills(
      "Look for injection vulnerabilities and leaked secrets in the API",
      skills,
      options,
    );
    expect(verdict.matches.map((m) => m.name)).toContain("security-audit");
  });

  it("treats configured keywords as skill-bound outside mechanical work", () => {
    const withKeyword = { ...options, required: ["HIPAA"] };
    expect(
      matchSkills("Decide how to store patient notes under HIPAA", skills, withKeyword).matches,
    ).toEqual([expect.objectContaining({ name: "HIPAA", why: "keyword" })]);
    expect(
      matchSkills("grep -rn HIPAA docs/", skills, { ...withKeyword, mechanical: true }).needsSkill,
    ).toBe(false);
  });

  it("needs no skill when the host has none", () => {
    expect(matchSkills("Check ACGME duty hours", [], options).needsSkill).toBe(false);
  });
});
