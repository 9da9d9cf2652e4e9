/**
 * Stands in for the SDK's Ajv-based JSON Schema validator in the bundle (see
 * rolldown.config.mjs). The SDK's server uses it only to check answers to form elicitations,
 * which squad-mcp never sends, and loading Ajv costs about a quarter of start-up.
 */
export class AjvJsonSchemaValidator {
  getValidator(): never {
    throw new Error(
      "squad-mcp does not send elicitation requests, so it validates no elicitation schemas",
    );
  }
}
