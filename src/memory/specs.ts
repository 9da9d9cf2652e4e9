import { type Db, writeTransaction } from "./db.js";

/** What the store reads of a Code Spec (its own columns); the rest is JSON it keeps as given. */
export interface SpecDocument {
  title: string;
  priority: string;
}

/** What the store reads of a Code Report; the rest is JSON it keeps as given. */
export interface ReportDocument {
  verdict: string;
}

const SPEC_ID = /^CS-\d{3,}$/;

/** `CS-001` … `CS-999`, then `CS-1000`: zero-padded to three digits, never truncated. */
export function formatSpecId(number: number): string {
  return `CS-${String(number).padStart(3, "0")}`;
}

export function isSpecId(id: string): boolean {
  return SPEC_ID.test(id);
}

export interface StoredSpec<Spec extends SpecDocument = SpecDocument> {
  project: string;
  id: string;
  number: number;
  createdAt: number;
  title: string;
  priority: Spec["priority"];
  spec: Spec;
  /** null until the Markdown file has been written. */
  markdownPath: string | null;
}

export interface NewReport<Report extends ReportDocument = ReportDocument> {
  specId: string;
  createdAt: number;
  report: Report;
  reportPath: string | null;
  patchPath: string | null;
}

export interface StoredReport<Report extends ReportDocument = ReportDocument>
  extends NewReport<Report> {
  project: string;
  verdict: Report["verdict"];
}

interface SpecRow {
  project: string;
  id: string;
  number: number;
  created_at: number;
  title: string;
  priority: string;
  spec: string;
  markdown_path: string | null;
}

interface ReportRow {
  project: string;
  spec_id: string;
  created_at: number;
  verdict: string;
  report: string;
  report_path: string | null;
  patch_path: string | null;
}

/**
 * Code Specs and their reports, numbered per project. The store keeps them as the JSON it was
 * given: `Spec` and `Report` name the shapes their writer (handoff/) gives back on reading.
 */
export function createSpecStore<
  Spec extends SpecDocument = SpecDocument,
  Report extends ReportDocument = ReportDocument,
>(db: Db) {
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
    allocate(project: string, specs: readonly Spec[], createdAt = Date.now()): string[] {
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
    get(project: string, id: string): StoredSpec<Spec> | undefined {
      const row = selectSpec.get(project, id);
      return row && specFromRow<Spec>(row);
    },
    /** The project's newest specs, newest first. */
    recent(project: string, limit: number): StoredSpec<Spec>[] {
      return selectRecent.all(project, limit).map((row) => specFromRow<Spec>(row));
    },
    /** Stores a report for an allocated spec; each implement_spec run adds one. */
    saveReport(project: string, input: NewReport<Report>): void {
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
    latestReport(project: string, specId: string): StoredReport<Report> | undefined {
      const row = selectLatestReport.get(project, specId);
      return row && reportFromRow<Report>(row);
    },
  };
}

export type SpecStore<
  Spec extends SpecDocument = SpecDocument,
  Report extends ReportDocument = ReportDocument,
> = ReturnType<typeof createSpecStore<Spec, Report>>;

function specFromRow<Spec extends SpecDocument>(row: SpecRow): StoredSpec<Spec> {
  return {
    project: row.project,
    id: row.id,
    number: row.number,
    createdAt: row.created_at,
    title: row.title,
    priority: row.priority,
    spec: JSON.parse(row.spec) as Spec,
    markdownPath: row.markdown_path,
  };
}

function reportFromRow<Report extends ReportDocument>(row: ReportRow): StoredReport<Report> {
  return {
    project: row.project,
    specId: row.spec_id,
    createdAt: row.created_at,
    verdict: row.verdict,
    report: JSON.parse(row.report) as Report,
    reportPath: row.report_path,
    patchPath: row.patch_path,
  };
}
