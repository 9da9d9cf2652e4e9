import process from "node:process";
import type { Readable, Writable } from "node:stream";
import { deserializeMessage, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import { LineSplitter, type OversizedLine, oversizedLineId } from "./line-splitter.js";

/** The largest JSON-RPC message read from stdin; a larger one is answered with an error. */
export const MAX_MESSAGE_BYTES = 10 * 1_048_576;

/** JSON-RPC "Invalid Request". */
const INVALID_REQUEST = -32600;

/**
 * The MCP stdio transport with a bounded, linear reader: a message over the limit is skipped
 * as it streams in and answered with an error (or logged when its id cannot be read), and the
 * connection goes on. A line that is not JSON-RPC is logged and skipped.
 */
export class StdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly lines: LineSplitter;
  private started = false;

  constructor(
    private readonly logger: Logger,
    private readonly stdin: Readable = process.stdin,
    private readonly stdout: Writable = process.stdout,
    private readonly maxMessageBytes = MAX_MESSAGE_BYTES,
  ) {
    this.lines = new LineSplitter(maxMessageBytes);
  }

  async start(): Promise<void> {
    if (this.started) throw new Error("the stdio transport is already started");
    this.started = true;
    this.stdin.on("data", this.onData);
    this.stdin.on("error", this.onStdinError);
  }

  async close(): Promise<void> {
    this.stdin.off("data", this.onData);
    this.stdin.off("error", this.onStdinError);
    if (this.stdin.listenerCount("data") === 0) this.stdin.pause();
    this.lines.clear();
    this.onclose?.();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.write(serializeMessage(message))) resolve();
      else this.stdout.once("drain", resolve);
    });
  }

  private readonly onData = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    for (const line of this.lines.push(bytes)) {
      if ("oversized" in line) this.refuse(line.oversized);
      else if (line.text.trim() !== "") this.deliver(line.text);
    }
  };

  private readonly onStdinError = (error: Error): void => {
    this.onerror?.(error);
  };

  private deliver(text: string): void {
    let message: JSONRPCMessage;
    try {
      message = deserializeMessage(text);
    } catch (error) {
      this.logger.warn(
        `skipped a stdin line of ${text.length} characters that is not a JSON-RPC message: ${firstLine(errorMessage(error))}`,
      );
      return;
    }
    this.onmessage?.(message);
  }

  private refuse(line: OversizedLine): void {
    const id = oversizedLineId(line);
    const limit = `${+(this.maxMessageBytes / 1_048_576).toFixed(2)} MiB`;
    const size = `a message of ${line.bytes} bytes`;
    const over = `over the ${limit} limit for one message`;
    if (id === undefined) {
      this.logger.warn(`skipped ${size}, ${over}; its id could not be read, so it gets no answer`);
      return;
    }
    this.logger.warn(`refused ${size} (id ${JSON.stringify(id)}), ${over}`);
    void this.send({
      jsonrpc: "2.0",
      id,
      error: {
        code: INVALID_REQUEST,
        message: `${size} is ${over}: pass large inputs as files (paths) instead`,
      },
    });
  }
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0]?.slice(0, 200) ?? "";
}
