// Type-only imports: the spec and report shapes are defined where they are built (handoff/);
// nothing from there runs here, so memory still depends on nothing above it at run time.
import type { CodeReport, Verdict } from "../handoff/report.js";
import type { CodeSpec, SpecPriority } from "../handoff/spec.js";
import { type Db, writeTransaction } from "./db.js";

const SPEC_ID = /^CS-\d{3,}$/;

/** `CS-001` … `CS-999`, then `CS-1000`: zero-padded to three digits, never truncated. */
export function formatSpecId(number: number): string {
  return `CS-${String(number).padStart(3, "0")}`;
}

export function isSpecId(id: string): boolean {
  return SPEC_ID.test(id);
}

export interface StoredSpec {
  project: string;
  id: string;
  number: number;
  createdAt: number;
  title: string;
  priority: SpecPriority;
  spec: CodeSpec;
  /** null until the Markdown file has been written. */
  markdownPath: string | null;
}

export interface NewReport {
  specId: string;
  createdAt: number;
  report: CodeReport;
  reportPath: string | null;
  patchPath: string | null;
}

export interface StoredReport extends NewReport {
  project: string;
  verdict: Verdict;
}

interface SpecRow {
  project: string;
  id: string;
  number: number;
  created_at: number;
  title: string;
  priority: SpecPriority;
  spec: string;
  markdown_path: string | null;
}

interface ReportRow {
  project: string;
  spec_id: string;
  created_at: number;
  verdict: Verdict;
  report: string;
  report_path: string | null;
  patch_path: string | null;
}

/** Code Specs and their reports, numbered per project. */
export function createSpecStore(db: Db) {
  const maxNumber = db.prepare<[string], { n: number | null }>(
    "SELECT max(number) AS n FROM specs WHERE project = ?",
  );
  const insertSpec = db.prepare(`
    INSERT INTO specs (project, id, number, created_at, title, priority, spec, markdown_path)
    VALUES (@project, @id, @number, @createdAt, @title, @priority, @spec, NULL)`);
  const updatePath = db.prepare("UPDATE specs SET markdown_path = ? WHERE project = ? AND id = ?");
  const selectSpec = db.prepare<[string, string], SpecRow>(
    "SELECT * FROM specs WHERE project = ? AND id = ?",
  );
  const selectRecent = db.prepare<[string, number], SpecRow>(
    "SELECT * FROM specs WHERE project = ? ORDER BY number DESC LIMIT ?",
  );
  const insertReport = db.prepare(`
    INSERT INTO spec_reports (project, spec_id, created_at, verdict, report, report_path,
      patch_path)
    VALUES (@project, @specId, @createdAt, @verdict, @report, @reportPath, @patchPath)`);
  const selectLatestReport = db.prepare<[string, string], ReportRow>(`
    SELECT * FROM spec_reports WHERE project = ? AND spec_id = ? ORDER BY seq DESC LIMIT 1`);

  return {
    /**
     * Numbers the specs after the highest stored for the project and stores them, in one
     * IMMEDIATE transaction: the max is read under the write lock, so two server processes
     * sharing the database can never hand out the same id.
     */
    allocate(project: string, specs: readonly CodeSpec[], createdAt = Date.now()): string[] {
      return writeTransaction(db, () => {
        const first = (maxNumber.get(project)?.n ?? 0) + 1;
        return specs.map((spec, index) => {
          const id = formatSpecId(first + index);
          insertSpec.run({
            project,
            id,
            number: first + index,
            createdAt,
            title: spec.title,
            priority: spec.priority,
            spec: JSON.stringify(spec),
          });
          return id;
        });
      });
    },
    /** Records where the spec's Markdown was written, once it has been. */
    setMarkdownPath(project: string, id: string, markdownPath: string): void {
      const { changes } = writeTransaction(db, () => updatePath.run(markdownPath, project, id));
      if (changes === 0) throw new Error(`no spec ${id} stored for project ${project}`);
    },
    get(project: string, id: string): StoredSpec | undefined {
      const row = selectSpec.get(project, id);
      return row && specFromRow(row);
    },
    /** The project's newest specs, newest first. */
    recent(project: string, limit: number): StoredSpec[] {
      return selectRecent.all(project, limit).map(specFromRow);
    },
    /** Stores a report for an allocated spec; each implement_spec run adds one. */
    saveReport(project: string, input: NewReport): void {
      writeTransaction(db, () => {
        if (!selectSpec.get(project, input.specId)) {
          throw new Error(`no spec ${input.specId} stored for project ${project}`);
        }
        insertReport.run({
          project,
          ...input,
          verdict: input.report.verdict,
          report: JSON.stringify(input.report),
        });
      });
    },
    latestReport(project: string, specId: string): StoredReport | undefined {
      const row = selectLatestReport.get(project, specId);
      return row && reportFromRow(row);
    },
  };
}

export type SpecStore = ReturnType<typeof createSpecStore>;

function specFromRow(row: SpecRow): StoredSpec {
  return {
    project: row.project,
    id: row.id,
    number: row.number,
    createdAt: row.created_at,
    title: row.title,
    priority: row.priority,
    spec: JSON.parse(row.spec) as CodeSpec,
    markdownPath: row.markdown_path,
  };
}

function reportFromRow(row: ReportRow): StoredReport {
  return {
    project: row.project,
    specId: row.spec_id,
    createdAt: row.created_at,
    verdict: row.verdict,
    report: JSON.parse(row.report) as CodeReport,
    reportPath: row.report_path,
    patchPath: row.patch_path,
  };
}
