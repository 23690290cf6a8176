/**
 * Which GitHub MCP tools only read. `@modelcontextprotocol/server-github` marks none of its tools
 * with annotations, so the name decides: get_*, list_* and search_* read; every other tool
 * (create_*, update_*, add_*, push_*, merge_*, fork_*, and any tool added later) counts as a write
 * and waits for a person's approval.
 */
const READS = /^(get|list|search)_/;

export const isReadTool = (tool: string): boolean => READS.test(tool);
