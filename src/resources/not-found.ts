/** JSON-RPC code MCP uses for a resource that does not exist. */
export const RESOURCE_NOT_FOUND = -32002;
