import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type {
  CallToolResult,
  ServerNotification,
  ServerRequest,
  ToolAnnotations,
} from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import type { AppContext } from "../context.js";
import { diskFullPath, errorMessage, UserInputError } from "../errors.js";
import { stripControl, stripControlDeep } from "../text/control.js";
import { compact } from "./compact.js";
import { hostReads } from "./host-reads.js";
import type { ToolName } from "./names.js";

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface ToolResult<Structured> {
  /** What machines read: validated against the output schema. */
  structured: Structured;
  /** What the model reads: a few lines, never a JSON dump. */
  text: string;
  /** A refusal the caller should notice (apply_spec's conflicts), still with structured detail. */
  isError?: boolean;
  /** Characters of code the host did not have to write (an applied patch's added lines). */
  writtenChars?: number;
}

export interface ToolDefinition<Input extends z.ZodObject, Output extends z.ZodObject> {
  name: ToolName;
  title: string;
  description: string;
  input: Input;
  output: Output;
  annotations: ToolAnnotations;
  handler(
    args: z.output<Input>,
    ctx: AppContext,
    extra: ToolExtra,
  ): Promise<ToolResult<z.input<Output>>> | ToolResult<z.input<Output>>;
}

export function defineTool<Input extends z.ZodObject, Output extends z.ZodObject>(
  definition: ToolDefinition<Input, Output>,
): ToolDefinition<Input, Output> {
  return definition;
}

export function registerTool<Input extends z.ZodObject, Output extends z.ZodObject>(
  server: McpServer,
  ctx: AppContext,
  tool: ToolDefinition<Input, Output>,
): void {
  const callback = (args: z.output<Input>, extra: ToolExtra) => runTool(tool, ctx, args, extra);
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.input,
      outputSchema: tool.output,
      annotations: { title: tool.title, ...tool.annotations },
    },
    // The SDK's callback type is inferred through its zod-compat layer and does not unify with
    // our generic `z.output<Input>`; the SDK has validated `args` against `tool.input` already.
    callback as unknown as Parameters<McpServer["registerTool"]>[2],
  );
}

async function runTool<Input extends z.ZodObject, Output extends z.ZodObject>(
  tool: ToolDefinition<Input, Output>,
  ctx: AppContext,
  args: z.output<Input>,
  extra: ToolExtra,
): Promise<CallToolResult> {
  try {
    const result = await tool.handler(args, ctx, extra);
    // Worker and command output reaches the host's terminal: no escape or control codes.
    const answer: CallToolResult = {
      content: [{ type: "text", text: stripControl(result.text) }],
      structuredContent: compact(stripControlDeep(result.structured)) as { [key: string]: unknown },
      ...(result.isError ? { isError: true } : {}),
    };
    recordCost(ctx, tool.name, args, answer, result.writtenChars);
    return answer;
  } catch (error) {
    if (error instanceof UserInputError) return toolError(error.message);
    const full = diskFullPath(error, ctx.store.file);
    if (full) return toolError(`${tool.name}: disk full writing ${full}; free space and try again`);
    ctx.logger.error(
      `${tool.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`,
    );
    return toolError(`${tool.name} failed inside squad-mcp: ${errorMessage(error)}`);
  }
}

/** The ledger's row for this call; a failure to write it never fails the call. */
function recordCost(
  ctx: AppContext,
  tool: string,
  args: unknown,
  answer: CallToolResult,
  writtenChars: number | undefined,
): void {
  try {
    ctx.store.toolCalls.record({
      tool,
      at: ctx.now(),
      argsChars: JSON.stringify(args).length,
      readChars: hostReads(answer).most,
      ...(writtenChars ? { writtenChars } : {}),
    });
  } catch (error) {
    ctx.logger.debug(`${tool}: the ledger row was not written: ${errorMessage(error)}`);
  }
}

function toolError(text: string): CallToolResult {
  return { content: [{ type: "text", text: stripControl(text) }], isError: true };
}
